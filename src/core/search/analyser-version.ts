import { type SQL, sql } from 'drizzle-orm';
import type { Dialect } from '../db/dialect.js';
import type { StatementExecutor } from '../db/statements.js';
import type { JobExecutors } from '../facts/relink-jobs.js';
import type { IndexStatements } from './index-statements.js';
import { rebuildIndex } from './indexer.js';
import type { SearchType } from './sources.js';

/**
 * The version of what `analyse` writes into the index. Bump it whenever normalisation, the word model or
 * stemming changes how a text indexes: a database whose index an older version wrote is rebuilt at start,
 * so an upgrade never leaves queries matching stale stems. test/search/analyser-version.test.ts holds a
 * digest of the analyser's output and fails when it changes without a bump.
 */
export const analyserVersion = 2;

/**
 * Where each engine records the analyser that wrote its index: SQLite's `user_version` slot, which drizzle's
 * migrator leaves alone (a pragma binds no value: the number is this module's constant); PostgreSQL's one-row
 * `search_analyser` (its migration 0006). 0 on a new database of either, so its first start rebuilds.
 */
const versionPlace: Record<Dialect['name'], { read: SQL<{ version: number }>; record: SQL }> = {
  sqlite: {
    read: sql`select user_version as ${sql.identifier('version')} from pragma_user_version`,
    record: sql.raw(`pragma user_version = ${analyserVersion}`),
  },
  postgres: {
    read: sql`select ${sql.identifier('version')} from ${sql.identifier('search_analyser')}`,
    // An upsert: a row deleted by hand (a truncate of every table) would leave an update nothing to change, and every start rebuilding.
    record: sql`insert into ${sql.identifier('search_analyser')} (${sql.identifier('id')}, ${sql.identifier('version')}) values (1, ${analyserVersion}) on conflict (${sql.identifier('id')}) do update set ${sql.identifier('version')} = excluded.${sql.identifier('version')}`,
  },
};

/** The analyser version that wrote the index `executor`'s engine holds (0: none recorded). */
export async function indexedAnalyserVersion(executor: StatementExecutor): Promise<number> {
  return (await executor.prepare(versionPlace[executor.dialect.name].read).get())?.version ?? 0;
}

/** Rebuilds the index in a write's transaction and records this analyser as its writer in the same transaction. */
async function rebuildAndRecord(tx: StatementExecutor, index: IndexStatements) {
  const counts = await rebuildIndex(tx, index);
  await tx.prepare(versionPlace[tx.dialect.name].record).run();
  return counts;
}

/**
 * Rebuilds the search index in one write (`rebuildIndex` on its `tx`), records this analyser as its writer, then
 * lets the index finish what the rebuild left (FTS5's merges, in writes of their own). The number of records of each type.
 */
export async function rebuildSearchIndex({ write }: Pick<JobExecutors, 'write'>, index: IndexStatements): Promise<Record<SearchType, number>> {
  const counts = await write((tx) => rebuildAndRecord(tx, index));
  await index.finishRebuild?.(write);
  return counts;
}

/**
 * Rebuilds the search index when another analyser version wrote it; null when it is current. Read first on
 * `reads`, so a current index takes no write lock, and again in the write, so that of nodes starting together
 * one rebuilds and the others find it done.
 */
export async function refreshStaleSearchIndex({ reads, write }: JobExecutors, index: IndexStatements): Promise<Record<SearchType, number> | null> {
  const current = async (executor: StatementExecutor) => (await indexedAnalyserVersion(executor)) === analyserVersion;
  if (await current(reads)) return null;
  const counts = await write(async (tx) => ((await current(tx)) ? null : rebuildAndRecord(tx, index)));
  if (counts) await index.finishRebuild?.(write);
  return counts;
}
