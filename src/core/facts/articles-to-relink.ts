import { sql } from 'drizzle-orm';
import { type Dialect, perDialect } from '../db/dialect.js';
import { insertRow, type StatementExecutor, statement } from '../db/statements.js';
import { inIntegerIdList } from '../resources/shared/relations.js';
import { articlesToRelink } from './table.js';

/*
 * Articles a write linked with a name index behind the names (table.ts): recorded in that write's transaction, and
 * linked again by the name index's worker (index.ts), a bounded batch per write, once an index that covers them is
 * installed. Written once for either engine: the reads on a read executor, the writes on a write's `tx`.
 */

const t = articlesToRelink;
const insert = insertRow(t, ['article_id']);
const oldest = statement.select({ id: t.id, article: t.article_id }).from(t).orderBy(t.id).limit(sql.placeholder('limit'));
/** The row ids of a bound JSON list, as 64-bit integers (PostgreSQL's list gives text; its `integer` is 32 bits), so the primary key finds them. */
const inIds = (dialect: Dialect) => inIntegerIdList(t.id, 'ids', dialect);
const oldestOf = perDialect((dialect) => statement.select({ id: t.id, article: t.article_id }).from(t).where(inIds(dialect)).orderBy(t.id).limit(sql.placeholder('limit')));
const deleteTaken = perDialect((dialect) => sql`delete from ${t} where ${inIds(dialect)}`);

/**
 * The rows a name index covers: those committed before the build read the names (`rows`), or every row once the
 * index is at the names' revision. Rows, not the newest id: on PostgreSQL an identity value is taken before its
 * transaction commits, so a row with a smaller id than one already read may commit after the build read the names.
 */
export type Covered = { every: true } | { every: false; rows: readonly number[] };

export const everyRow: Covered = { every: true };
export const noRow: Covered = { every: false, rows: [] };

/** Rows a build covers at most: what bounds its memory; the rest wait for an index at the names' revision or the next build. */
const coveredRowsMax = 4096;

/** In the write that linked `articleId` with an index behind the names. */
export async function recordToRelink(tx: StatementExecutor, articleId: string): Promise<void> {
  await tx.prepare(insert).run({ article_id: articleId });
}

/** Read before the names, on a read executor: the rows committed by now (the oldest `coveredRowsMax`), which a build reading the names after covers. */
export async function committedToRelink(reads: StatementExecutor): Promise<Covered> {
  const rows = await reads.prepare(oldest).all({ limit: coveredRowsMax });
  return { every: false, rows: rows.map((row) => row.id) };
}

/** The oldest covered rows, at most `limit`. */
function oldestCovered(executor: StatementExecutor, covered: Covered, limit: number) {
  if (covered.every) return executor.prepare(oldest).all({ limit });
  if (covered.rows.length === 0) return Promise.resolve([]);
  return executor.prepare(oldestOf(executor.dialect)).all({ ids: JSON.stringify(covered.rows), limit });
}

/** Whether a covered row waits: read on a read executor before taking a write. */
export async function waitingToRelink(reads: StatementExecutor, covered: Covered): Promise<boolean> {
  return (await oldestCovered(reads, covered, 1)).length > 0;
}

/** In the write that relinks them: the articles of the oldest covered rows, at most `limit` rows, whose rows it deletes. */
export async function takeToRelink(tx: StatementExecutor, covered: Covered, limit: number): Promise<string[]> {
  const rows = await oldestCovered(tx, covered, limit);
  if (rows.length === 0) return [];
  await tx.prepare(deleteTaken(tx.dialect)).run({ ids: JSON.stringify(rows.map((row) => row.id)) });
  return [...new Set(rows.map((row) => row.article))];
}
