import { asc } from 'drizzle-orm';
import t from 'tap';
import { announcePublications, nextPublicationDue } from '../../src/core/changes/publications.js';
import { changes, scheduledPublications } from '../../src/core/changes/table.js';
import { statement } from '../../src/core/db/statements.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { webhookDeliveries, webhooks } from '../../src/core/webhooks/table.js';
import { engines } from '../engines.js';
import { articleRow } from '../rows.js';

/*
 * Announcing scheduled publications (core/changes/publications.ts), written once and run on each engine: the reads
 * on its read executor, the announcement in its write transaction. What each announcement appends follows from
 * the rows written, by docs/api.md's rule: a `published` event, once, for each article whose time has come and that
 * the public sees then, with a delivery for each webhook that asked for it.
 */

const { onBoth } = engines(t);

const start = Date.parse('2026-06-01T12:00:00.000Z');
const at = (seconds: number) => new Date(start + seconds * 1000).toISOString();
const hook = { id: 'w1', url: 'https://hooks.example/in', secret: 'whsec_test', resources: ['articles'], actions: ['published'], created_at: at(-100), updated_at: at(-100) };

const events = statement
  .select({ seq: changes.seq, resource: changes.resource, id: changes.record_id, action: changes.action, version: changes.version, at: changes.at })
  .from(changes)
  .orderBy(asc(changes.seq));
const schedule = statement.select({ id: scheduledPublications.article_id, due: scheduledPublications.due_at }).from(scheduledPublications).orderBy(asc(scheduledPublications.article_id));
const deliveries = statement.select({ seq: webhookDeliveries.seq, due: webhookDeliveries.next_attempt_at }).from(webhookDeliveries).orderBy(asc(webhookDeliveries.seq));

onBoth('scheduled publications are announced once, when due, for the articles the public sees then', async (t, engine) => {
  await engine.insert(articles, [
    articleRow('due', 'published', at(10), { version: 3, at: at(-100) }),
    articleRow('later', 'published', at(100), { version: 1, at: at(-100) }),
    articleRow('withdrawn', 'draft', at(10), { version: 2, at: at(-100) }),
  ]);
  // `gone` has no article: a row a write around the repositories left behind.
  await engine.insert(scheduledPublications, [
    { article_id: 'due', due_at: at(10) },
    { article_id: 'later', due_at: at(100) },
    { article_id: 'withdrawn', due_at: at(10) },
    { article_id: 'gone', due_at: at(20) },
  ]);
  await engine.insert(webhooks, [hook]);
  const on = { reads: engine.statements, write: (body: Parameters<typeof engine.write<number>>[0]) => engine.write(body) };
  let clock = start;
  const announce = () => announcePublications(on, () => clock);

  t.equal(await nextPublicationDue(engine.statements), at(10), 'the earliest due time');
  t.equal(await announce(), 0, 'nothing is due at the start');
  t.same(await engine.statements.prepare(events).all(), [], 'and nothing is appended');

  clock = start + 30_000;
  t.equal(await announce(), 3, 'at +30 s three rows are due: the public article, the withdrawn one, the one whose article is gone');
  t.same(
    await engine.statements.prepare(events).all(),
    [{ seq: 1, resource: 'articles', id: 'due', action: 'published', version: 3, at: at(30) }],
    "one event, for the article the public sees, at its version, dated by the announcement's clock",
  );
  t.same(await engine.statements.prepare(deliveries).all(), [{ seq: 1, due: start + 30_000 }], "the webhook's delivery of it, due at the announcement's moment");
  t.same(await engine.statements.prepare(schedule).all(), [{ id: 'later', due: at(100) }], 'the due rows are taken, the later one stays');
  t.equal(await nextPublicationDue(engine.statements), at(100));
  t.equal(await announce(), 0, 'asked again, nothing is due: no second event');

  clock = start + 100_000;
  t.equal(await announce(), 1, 'at +100 s the later one');
  t.same(
    (await engine.statements.prepare(events).all()).map(({ id }) => id),
    ['due', 'later'],
  );
  t.equal(await nextPublicationDue(engine.statements), null, 'nothing is left scheduled');
});

onBoth('an announcement whose write fails takes no row and appends nothing', async (t, engine) => {
  await engine.insert(articles, [articleRow('due', 'published', at(10), { version: 1, at: at(-100) })]);
  await engine.insert(scheduledPublications, [{ article_id: 'due', due_at: at(10) }]);
  const failing = {
    reads: engine.statements,
    write: (body: Parameters<typeof engine.write<number>>[0]) =>
      engine.write(async (tx) => {
        await body(tx);
        throw new Error('the commit failed');
      }),
  };
  await t.rejects(
    announcePublications(failing, () => start + 30_000),
    { message: 'the commit failed' },
  );
  t.same(await engine.statements.prepare(schedule).all(), [{ id: 'due', due: at(10) }], 'the row is still scheduled');
  t.same(await engine.statements.prepare(events).all(), [], 'no event');
});
