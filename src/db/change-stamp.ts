import { sql } from 'drizzle-orm';
import type { Db } from './database.js';

/**
 * A value that changes whenever the database may have changed: a write by this connection (total_changes)
 * or a commit by any other, another worker process's included (data_version). What is derived from the
 * data may be kept while it stays the same.
 */
export function changeStamp(db: Db): () => string {
  const statement = db
    .select({ stamp: sql<string>`total_changes() || '.' || data_version` })
    .from(sql`pragma_data_version`)
    .prepare();
  return () => (statement.get() as { stamp: string }).stamp;
}

/**
 * When the database last changed, as this process saw it: the time it first read the current change stamp
 * (the process start before any). Never earlier than the change itself, so a Last-Modified built from it
 * cannot make a client keep a stale copy; it moves on every write, so it is coarse, and ETags stay the
 * exact validator. The stamp is read at most every `recheckMs` unless `fresh` is asked for: a stamp
 * statement per read is a visible part of a get by id (docs/performance.md). A time that lags is safe to send (an older date
 * only makes a client fetch again), not to decide a 304 on, which asks for a fresh one.
 */
export function changeClock(stamp: () => string, now: () => number = Date.now, recheckMs = 50): (fresh?: boolean) => number {
  let seen = stamp();
  let since = now();
  let checked = since;
  return (fresh = false) => {
    const at = now();
    if (!fresh && at - checked < recheckMs) return since;
    checked = at;
    const current = stamp();
    if (current !== seen) {
      seen = current;
      since = at;
    }
    return since;
  };
}
