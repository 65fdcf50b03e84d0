import { sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { Db } from './database.js';

/**
 * A value that changes whenever the database may have changed: a write by this connection (total_changes)
 * or a commit by any other, another worker process's included (data_version). What is derived from the
 * data may be kept while it stays the same.
 */
export function changeStamp(db: Db): () => string {
  const statement = db.select({ stamp: sql<string>`total_changes() || '.' || data_version` }).from(sql`pragma_data_version`).prepare();
  return () => (statement.get() as { stamp: string }).stamp;
}

/**
 * A per-process memo of values derived from the data, at most `max` of them (the least recently used go). Each
 * call reads the change stamp and answers the memo emptied if the stamp moved: a value is only ever read at the
 * stamp it was derived at, so a write never leaves a stale one to a reader that can see the write. Read it once
 * per request, before the data.
 */
export function stampedMemo<V extends NonNullable<unknown>>(db: Db, max: number): () => LRUCache<string, V> {
  return memoUntilChanged(changeStamp(db), max);
}

/** The same memo on any engine's change stamp (SQLite's above, PostgreSQL's change signal). */
export function memoUntilChanged<V extends NonNullable<unknown>>(stamp: () => string, max: number): () => LRUCache<string, V> {
  const memo = new LRUCache<string, V>({ max });
  let derivedAt = '';
  return () => {
    const now = stamp();
    if (now !== derivedAt) {
      memo.clear();
      derivedAt = now;
    }
    return memo;
  };
}
