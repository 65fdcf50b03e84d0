import t from 'tap';
import { rowInserter } from '../../src/core/db/bulk.js';
import { publicationSchedule } from '../../src/core/resources/articles/publication.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { engines } from '../engines.js';
import { articleRow } from '../rows.js';

/*
 * The publication schedule (core/resources/articles/publication.ts) on each engine's read executor: the next
 * publication after a moment, which the public's reads and the response cache key on, read again only when the
 * change stamp given moves or that publication's moment has passed. What it should answer follows from the rows
 * written, by docs/api.md's rule: the earliest `published_at` after the moment of a published article.
 */

const { onBoth } = engines(t);

const start = Date.parse('2026-06-01T12:00:00.000Z');
const at = (seconds: number) => new Date(start + seconds * 1000).toISOString();

type Row = ReturnType<typeof articleRow>;
const insertArticle = rowInserter(articles);

/** The oracle: the earliest publication the public will see after `moment`, from the rows as written. */
const expectedNext = (rows: Row[], moment: string) =>
  rows
    .filter((row) => row.status === 'published' && row.published_at != null && row.published_at > moment)
    .map((row) => row.published_at!)
    .sort()[0] ?? null;

onBoth('the schedule reads the next publication after a moment, again when the stamp moves or that moment passes', async (t, engine) => {
  const rows = [
    articleRow('past', 'published', at(-50)),
    articleRow('undated', 'published', null),
    articleRow('draft-sooner', 'draft', at(5)),
    articleRow('soon', 'published', at(20)),
    articleRow('later', 'published', at(60)),
  ];
  await engine.insert(articles, rows);
  let stamp = 's1';
  const schedule = publicationSchedule(engine.statements, () => stamp);

  t.same(await schedule(at(0)), { changes: 's1', next: expectedNext(rows, at(0)) }, 'the earliest published article ahead, not the draft nor the past');
  t.equal(expectedNext(rows, at(0)), at(20), 'the oracle agrees with the rows as written');

  const sooner = articleRow('sooner', 'published', at(10));
  await engine.insert(articles, [sooner]);
  t.same(await schedule(at(1)), { changes: 's1', next: at(20) }, 'while the stamp stays and the moment is before it, the view kept is answered');

  stamp = 's2';
  t.same(await schedule(at(1)), { changes: 's2', next: expectedNext([...rows, sooner], at(1)) }, 'the stamp moved: read again, the new article found');

  t.same(await schedule(at(15)), { changes: 's2', next: expectedNext([...rows, sooner], at(15)) }, 'its moment passed: read again without a move of the stamp');
  t.same(await schedule(at(70)), { changes: 's2', next: null }, 'nothing ahead');
});

onBoth("with the engine's change stamp, a committed write is seen by the next read of the schedule", async (t, engine) => {
  const rows = [articleRow('later', 'published', at(60))];
  await engine.insert(articles, rows);
  const schedule = publicationSchedule(engine.statements, engine.stamp);
  const before = await schedule(at(0));
  t.equal(before.next, expectedNext(rows, at(0)));
  const sooner = articleRow('sooner', 'published', at(10));
  await engine.write((tx) => insertArticle(tx, sooner));
  const after = await schedule(at(0));
  t.not(after.changes, before.changes, 'the stamp moved with the commit');
  t.equal(after.next, expectedNext([...rows, sooner], at(0)), 'and the article the write scheduled is the next publication');
});
