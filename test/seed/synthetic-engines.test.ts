import { asc, getTableColumns, sql } from 'drizzle-orm';
import t from 'tap';
import { changes } from '../../src/core/changes/table.js';
import { statement } from '../../src/core/db/statements.js';
import { createRepositories } from '../../src/core/resources/index.js';
import { resources } from '../../src/core/resources/registry.js';
import { revisions } from '../../src/core/revisions/table.js';
import { fts5Index } from '../../src/core/search/fts5-index.js';
import { postgresIndex } from '../../src/core/search/postgres-search.js';
import { createSearch } from '../../src/core/search/search.js';
import { searchTypes } from '../../src/core/search/sources.js';
import { type Loading, loadSyntheticData } from '../../src/core/seed/synthetic.js';
import { bothInEveryRun, engines } from '../engines.js';

/*
 * The synthetic loader on each engine, through what an engine gives (its executor, its write transaction, its
 * index statements): the same seed writes the same rows on both (its ids are drawn from the seed), and what the
 * post-load steps derive from them is there on each.
 */

const { onBoth } = engines(t);
const size = { articles: 24, people: 10, organisations: 9, meetings: 6 };
const records = size.articles + size.people + size.organisations + size.meetings;

/** Every record table's rows (the resources' own and their relation lists), each in its key's order. */
const recordTables = resources.flatMap(({ name, table, repository }) => [
  [name, table] as const,
  ...repository().linkTables.map((link) => [`${name}:${Object.keys(getTableColumns(link.table)).join(',')}`, link.table] as const),
]);
const rowsOf = recordTables.map(([name, table]) => {
  const [first, second] = Object.values(getTableColumns(table));
  return [name, statement.select().from(table).orderBy(asc(first!), asc(second!))] as const;
});
const revisionCounts = statement
  .select({ resource: revisions.resource, n: sql<number>`count(*)`.mapWith(Number) })
  .from(revisions)
  .groupBy(revisions.resource)
  .orderBy(revisions.resource);
const seqs = statement.select({ seq: changes.seq, action: changes.action }).from(changes).orderBy(changes.seq);
const syncMode = sql<{ mode: number }>`select synchronous as ${sql.identifier('mode')} from pragma_synchronous`;
const analysedRows = sql<{ rows: number }>`select reltuples::integer as ${sql.identifier('rows')} from pg_class where relname = 'articles'`;

const loadedOn = new Map<string, unknown>();

onBoth('the synthetic loader writes the same rows on both engines, then indexes, links, revisions and events them', async (t, engine) => {
  const index = engine.postgres ? postgresIndex : fts5Index;
  const loading: Loading = { reads: engine.statements, write: (body) => engine.write(body), index, repositories: createRepositories() };
  t.same(await loadSyntheticData(loading, { ...size, seed: 5 }), size, 'the asked-for numbers');

  const rows: Record<string, unknown[]> = {};
  for (const [name, query] of rowsOf) rows[name] = await engine.statements.prepare(query).all();
  loadedOn.set(engine.postgres ? 'postgres' : 'sqlite', rows);
  t.same(
    await engine.statements.prepare(revisionCounts).all(),
    Object.entries(size)
      .map(([resource, n]) => ({ resource, n }))
      .sort((a, b) => (a.resource < b.resource ? -1 : 1)),
    'a first revision of every record',
  );
  const events = await engine.statements.prepare(seqs).all();
  t.same(
    events,
    Array.from({ length: records }, (_, i) => ({ seq: i + 1, action: 'created' })),
    'a created event of every record, numbered without gaps',
  );

  const search = createSearch(engine.statements, index, engine.stamp);
  const [article] = rows.articles as Array<{ id: string; title: string }>;
  const { results } = await search.search({ q: article!.title, types: ['articles'], limit: 100 });
  t.ok(
    results.some((hit) => hit.id === article!.id),
    'the index holds the loaded articles',
  );
  const created = await engine.write((tx) => loading.repositories.organisations.create(tx, { slug: 'لجنة', name: 'لجنة الزعفران', kind: 'committee', aliases: [] }));
  t.same(
    (await search.search({ q: 'الزعفران', types: searchTypes, limit: 10 })).results.map((hit) => hit.id),
    [created.id],
    'a write after the load indexes its record under a key of its own',
  );

  if (engine.postgres) t.same(await engine.statements.prepare(analysedRows).get(), { rows: size.articles }, "PostgreSQL's tables analysed at the end of the load");
  else t.same(await engine.statements.prepare(syncMode).get(), { mode: 1 }, "SQLite's syncs back to NORMAL after the load");
});

t.test('both engines hold the same loaded rows in every record table', bothInEveryRun, async (t) => {
  t.ok(loadedOn.get('sqlite') && loadedOn.get('postgres'), 'both loaded');
  t.same(loadedOn.get('postgres'), loadedOn.get('sqlite'));
});
