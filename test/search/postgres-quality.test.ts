import { getTableName } from 'drizzle-orm';
import t from 'tap';
import { databaseOf } from '../../src/core/db/handles.js';
import { openPostgres, type Postgres } from '../../src/core/db/postgres.js';
import { postgresStatements } from '../../src/core/db/postgres-statements.js';
import { sourceColumns } from '../../src/core/search/fields.js';
import { searchEntry, substringValues } from '../../src/core/search/indexer.js';
import { postgresIndex } from '../../src/core/search/postgres-search.js';
import { createSearch } from '../../src/core/search/search.js';
import { isSearchType, searchSources, searchTypes } from '../../src/core/search/sources.js';
import { searchDocuments } from '../../src/core/search/table.js';
import type { App } from '../../src/web/app.js';
import { postgresTableOf } from '../engines.js';
import { build, sqliteOnly } from '../helper.js';
import { failOnIdleError, startPostgres } from '../postgres.js';
import { checkCollisionRanking, collisions, labelledCorpus, mean, negatives, positives, scorePositive, searchIds, writeCollisionGroup } from './labelled-queries.js';

/*
 * The labelled query set of quality.test.ts on both engines: the records are written through the app on SQLite,
 * then indexed on PostgreSQL by the core's analysis (searchEntry, substringValues over the columns the indexer
 * reads) under the same document numbers, and every labelled query runs on both. The labels are the oracle;
 * SQLite's figures are reported beside PostgreSQL's, and the recall must be the same.
 */

const postgres = await openPostgres(await startPostgres(t), { max: 2, statementTimeoutMs: 10_000, lockTimeoutMs: 5000, onIdleError: failOnIdleError(t) });
t.teardown(() => postgres.close());
// The stamp moves each time the index is written again, so no count is remembered from another corpus.
let indexings = 0;
const postgresSearch = createSearch(postgresStatements(postgres.pool), postgresIndex, () => String(indexings));

/** An insert of one row with `$n` placeholders. */
const insert = (pg: Postgres, table: string, row: Record<string, unknown>) =>
  pg.pool.query(
    `insert into ${table} (${Object.keys(row).join(', ')}) values (${Object.keys(row)
      .map((_, n) => `$${n + 1}`)
      .join(', ')})`,
    Object.values(row),
  );

/**
 * PostgreSQL made to hold what SQLite holds: the records (search reads their rows), and each record SQLite indexed,
 * analysed again by the core from its row.
 */
async function indexOnPostgres(app: App) {
  const db = databaseOf(app.services).db;
  indexings++;
  await postgres.pool.query('delete from search_documents');
  await postgres.pool.query(`truncate ${searchTypes.map((type) => getTableName(searchSources[type].table)).join(', ')} cascade`);
  // Organisations first: a meeting names its host.
  for (const type of ['organisations', 'people', 'meetings', 'articles'] as const) {
    const table = searchSources[type].table;
    const rows = db.select().from(table).all();
    // One statement for all of a table's rows: a row naming another of them (a parent organisation) is checked at its end.
    if (rows.length > 0) await postgres.db.insert(postgresTableOf(table)).values(rows);
  }
  const rowsById = new Map<string, Record<string, unknown>>(
    searchTypes.flatMap((type) =>
      db
        .select(sourceColumns(searchSources[type]))
        .from(searchSources[type].table)
        .all()
        .map((row) => [`${type} ${String(row.id)}`, row] as const),
    ),
  );
  for (const { doc_id, type, record_id } of db.select().from(searchDocuments).all()) {
    const row = rowsById.get(`${type} ${record_id}`);
    if (row === undefined || !isSearchType(type)) throw new Error(`SQLite indexes ${type} ${record_id}, which it does not hold`);
    await insert(postgres, 'search_documents', { doc_id, type, record_id });
    await insert(postgres, 'search_index', { rowid: doc_id, ...searchEntry(type, row) });
    await insert(postgres, 'substring_index', { rowid: doc_id, ...substringValues(row) });
  }
}

type Score = ReturnType<typeof scorePositive>;

const postgresIds = async (query: string) => (await postgresSearch.search({ q: query, types: searchTypes, limit: 100 })).results.map((hit) => hit.id);

t.test(
  'labelled queries on both engines: the same recall@5 (1 for every positive), nothing for every negative',
  sqliteOnly('copies a SQLite database to PostgreSQL: both engines in the SQLite run'),
  async (t) => {
    const app = await build(t);
    const { idOf } = await labelledCorpus(app);
    await indexOnPostgres(app);
    const scores: Record<'sqlite' | 'postgres', Score[]> = { sqlite: [], postgres: [] };
    for (const [query, relevant, what] of positives) {
      const wanted = relevant.map(idOf);
      const ranked = await postgresIds(query);
      scores.sqlite.push(scorePositive(await searchIds(app, query), wanted));
      scores.postgres.push(scorePositive(ranked, wanted));
      t.equal(scores.postgres.at(-1)?.recall, 1, `${what}: ${query} on PostgreSQL (ranks ${wanted.map((id) => ranked.indexOf(id) + 1).join(', ')} of ${ranked.length})`);
    }
    for (const query of negatives) t.strictSame(await postgresIds(query), [], `nothing for ${query} on PostgreSQL`);
    const meanOf = (engine: keyof typeof scores, figure: keyof Score) => mean(scores[engine].map((score) => score[figure]));
    const summary = (engine: keyof typeof scores) =>
      `${engine}: recall@5 = ${meanOf(engine, 'recall').toFixed(3)}, precision@5 = ${meanOf(engine, 'precision').toFixed(3)}, MRR = ${meanOf(engine, 'reciprocalRank').toFixed(3)}`;
    t.comment(`${positives.length} positive and ${negatives.length} negative queries: ${summary('sqlite')}; ${summary('postgres')}`);
    t.equal(meanOf('postgres', 'recall'), meanOf('sqlite', 'recall'), 'the same recall on both engines');
    t.ok(meanOf('postgres', 'reciprocalRank') >= meanOf('sqlite', 'reciprocalRank'), 'the first relevant result is first as often as on SQLite');
  },
);

t.test(
  'words light stemming folds together, on PostgreSQL: the query word as written fills the top 5, above every other word',
  sqliteOnly('copies a SQLite database to PostgreSQL: both engines in the SQLite run'),
  async (t) => {
    const app = await build(t, { seed: 'never' });
    const groups = [];
    for (let g = 0; g < collisions.length; g++) groups.push(await writeCollisionGroup(app, g));
    await indexOnPostgres(app);
    const precisions: number[] = [];
    for (const [g, { query }] of collisions.entries()) precisions.push(checkCollisionRanking(t, g, await postgresIds(query), groups[g]!));
    t.comment(`precision@5 over ${collisions.length} stem collisions on PostgreSQL: ${mean(precisions).toFixed(3)}`);
  },
);
