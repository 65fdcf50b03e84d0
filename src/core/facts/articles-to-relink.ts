import { lte, max, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { prepareOnSqlite, type Query, type SyncStatement, statement } from '../db/statements.js';
import { articlesToRelink } from './table.js';

/*
 * Articles a write linked with a name index behind the names (table.ts): recorded in that write's transaction, and
 * linked again by the name index's worker (index.ts), a bounded batch per transaction, once an index that covers
 * them is installed. Statements written once for either engine, prepared on the synchronous write connection.
 */

const t = articlesToRelink;
const insert = sql`insert into ${t} (${sql.identifier('article_id')}) values (${sql.placeholder('article')})`;
const newest = statement.select({ id: max(t.id) }).from(t);
const oldestUpTo = statement
  .select({ id: t.id, article: t.article_id })
  .from(t)
  .where(lte(t.id, sql.placeholder('upTo')))
  .orderBy(t.id)
  .limit(sql.placeholder('limit'));
const deleteUpTo = sql`delete from ${t} where ${t.id} <= ${sql.placeholder('upTo')}`;

/** Bounds `waiting` and `take` when every row is covered. */
export const everyRow = Number.MAX_SAFE_INTEGER;

/**
 * Each statement is prepared at its first use, so that a process that is never behind (a tool loading data, which
 * builds the index when it needs it) never touches the table.
 */
export function articlesToRelinkStore(db: Db) {
  const onFirstUse = <Row>(query: Query<Row>) => {
    let prepared: SyncStatement<Row> | undefined;
    return () => (prepared ??= prepareOnSqlite(db.$client, query));
  };
  const inserting = onFirstUse(insert);
  const reading = onFirstUse(newest);
  const oldest = onFirstUse(oldestUpTo);
  const deleting = onFirstUse(deleteUpTo);
  return {
    /** In the write that linked `articleId` with an index behind the names. */
    record(articleId: string) {
      inserting().run({ article: articleId });
    },
    /** The newest row's id (0 with none): a row written after this read has a larger one. */
    newest(): number {
      return reading().get()?.id ?? 0;
    },
    /** Whether a row up to `upTo` waits: read before taking the write lock. */
    waiting(upTo: number): boolean {
      return oldest().get({ upTo, limit: 1 }) !== undefined;
    },
    /** In the transaction that relinks them: the articles of the oldest rows up to `upTo`, at most `limit` rows, whose rows it deletes. */
    take(upTo: number, limit: number): string[] {
      const rows = oldest().all({ upTo, limit });
      const last = rows.at(-1);
      if (last === undefined) return [];
      deleting().run({ upTo: last.id });
      return [...new Set(rows.map((row) => row.article))];
    },
  };
}
