import { asc, sql } from 'drizzle-orm';
import t from 'tap';
import { statement } from '../../src/core/db/statements.js';
import { articleTexts, linkMentions, readNameIndex } from '../../src/core/facts/index.js';
import { mentionReads } from '../../src/core/facts/mentions.js';
import { articles as articleRows } from '../../src/core/resources/articles/table.js';
import { createRepositories } from '../../src/core/resources/index.js';
import { resources } from '../../src/core/resources/registry.js';
import { fts5Index } from '../../src/core/search/fts5-index.js';
import { postgresIndex } from '../../src/core/search/postgres-search.js';
import { seedWriter } from '../../src/core/seed/seed.js';
import { loadSyntheticData } from '../../src/core/seed/synthetic.js';
import { engines } from '../engines.js';

/*
 * The synthetic loader's post-load steps write many records to a statement (a batch's first revisions by one read
 * and one insert, a batch's mentions by one read, one delete and one insert): what they leave is held here to what a
 * record's own write would have left, derived independently. Revision 1 of every record reads back as the record,
 * and every article's mentions are those linking finds in its texts with the name index of the loaded names.
 */

const { onBoth } = engines(t);
const size = { articles: 24, people: 10, organisations: 9, meetings: 6 };

/** A mention by its span and entity, as linking finds it and as the facts' read gives it back. */
const spanOf = ({ part, start, end, text, entity }: { part: string; start: number; end: number; text: string; entity: { type: string; id: string } }) => ({
  part,
  start,
  end,
  text,
  type: entity.type,
  id: entity.id,
});
const inOrder = <T extends { part: string; start: number }>(spans: T[]) => [...spans].sort((a, b) => (a.part === b.part ? a.start - b.start : a.part < b.part ? -1 : 1));

onBoth("the loader's batched first revisions and mentions are those a record's own write leaves", async (t, engine) => {
  const repositories = createRepositories();
  await loadSyntheticData({ reads: engine.statements, write: (body) => engine.write(body), index: engine.postgres ? postgresIndex : fts5Index, repositories }, { ...size, seed: 11 });

  let revised = 0;
  for (const { name, table } of resources) {
    const reads = repositories[name].reads(engine.statements, engine.stamp);
    for (const { id } of await engine.statements
      .prepare(
        statement
          .select({ id: sql<string>`${table.id}` })
          .from(table)
          .orderBy(asc(table.id)),
      )
      .all()) {
      const revision = await repositories.revisions.find(engine.statements, name, id, 1);
      t.match(revision, { n: 1, action: 'create', writer: seedWriter.writer }, `${name} ${id}: revision 1, a create by the seed`);
      t.same(revision?.record, await reads.find(id), `${name} ${id}: revision 1 reads back as the record`);
      revised++;
    }
  }
  t.equal(revised, size.articles + size.people + size.organisations + size.meetings, 'every record has its revision');

  const names = await readNameIndex(engine.statements);
  const articles = repositories.articles.reads(engine.statements, engine.stamp);
  let mentioned = 0;
  for (const { id } of await engine.statements.prepare(statement.select({ id: articleRows.id }).from(articleRows)).all()) {
    const article = await articles.find(id);
    const expected = inOrder(linkMentions(names, articleTexts(article!)).map(spanOf));
    t.same(inOrder((await mentionReads.list(engine.statements, id)).map(spanOf)), expected, `article ${id}: the mentions linking finds in it`);
    mentioned += expected.length;
  }
  t.ok(mentioned > size.articles, `the articles mention their people and organisations (${mentioned})`);
});
