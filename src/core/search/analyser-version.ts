import type { Database } from '../db/database.js';
import { writeOnSqlite } from '../db/sqlite-write.js';
import type { StatementExecutor } from '../db/statements.js';
import { finishMerges, fts5Index } from './fts5-index.js';
import { rebuildIndex } from './indexer.js';
import type { SearchType } from './sources.js';

/**
 * The version of what `analyse` writes into the index. Bump it whenever normalisation, the word model or
 * stemming changes how a text indexes: a database whose index an older version wrote is rebuilt at start,
 * so an upgrade never leaves queries matching stale stems. test/search/analyser-version.test.ts holds a
 * digest of the analyser's output and fails when it changes without a bump.
 */
export const analyserVersion = 2;

/** SQLite's `user_version` slot, which drizzle's migrator leaves alone, records the analyser that wrote the index. */
export const indexedAnalyserVersion = (database: Database) => Number(database.sqlite.pragma('user_version', { simple: true }));

/**
 * Rebuilds the search index on SQLite's write connection, in one write (`rebuildIndex` on its `tx`), finishes the
 * merges it left, and records this analyser as its writer. The number of records of each type.
 */
export async function rebuildSearchIndex(database: Database): Promise<Record<SearchType, number>> {
  const write = <T>(body: (tx: StatementExecutor) => Promise<T>) => writeOnSqlite(database.sqlite, body);
  const counts = await write((tx) => rebuildIndex(tx, fts5Index));
  await finishMerges(write);
  database.sqlite.pragma(`user_version = ${analyserVersion}`);
  return counts;
}

/** Rebuilds the search index when another analyser version wrote it; null when it is current. */
export async function refreshStaleSearchIndex(database: Database): Promise<Record<SearchType, number> | null> {
  return indexedAnalyserVersion(database) === analyserVersion ? null : rebuildSearchIndex(database);
}
