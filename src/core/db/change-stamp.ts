import { sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { Db } from './database.js';

/**
 * The engine's change stamp, what the core keeps values derived from the data under (the stamped memos, the
 * publication schedule, the response cache): a string that moves whenever the database may have changed, built per
 * engine: SQLite's `changeStamp` from the read connection, PostgreSQL's from its change signal (postgres-change-signal.ts).
 */
export type ChangeStamp = () => string;

/**
 * SQLite's change stamp: moves on a write by this connection (total_changes) and on a commit by any other, another
 * worker process's included (data_version).
 */
export function changeStamp(db: Db): ChangeStamp {
  const statement = db.select({ stamp: sql<string>`total_changes() || '.' || data_version` }).from(sql`pragma_data_version`).prepare();
  return () => (statement.get() as { stamp: string }).stamp;
}

/** What one reader holds of a memo: the values kept at the stamp it read, and whether that is still the memo's stamp. */
export interface StampedValues<V> {
  /** The stamp the values are kept at (the one this reader read). */
  readonly stamp: string;
  get(key: string): V | undefined;
  /** Kept only if no reader has seen the stamp move since this one read it: a value derived across awaits may be older than the stamp. */
  set(key: string, value: V): void;
}

/**
 * A per-process memo of values derived from the data, at most `max` of them (the least recently used go), emptied
 * whenever a reader finds the engine's stamp moved. For readers that await between the stamp and the data: a value
 * is kept only if the stamp has not moved, for any reader, since this reader read it, so one derived before a commit
 * is never kept under the stamp after it (docs/postgresql.md). Read it once per request, before the data.
 */
export function memoAtStamp<V extends NonNullable<unknown>>(stamp: ChangeStamp, max: number): () => StampedValues<V> {
  const memo = stampedLru<V>(stamp, max);
  return () => {
    const taken = memo();
    return {
      stamp: taken.stamp,
      get: (key) => taken.values.get(key),
      set(key, value) {
        if (memo.moves() === taken.moves) taken.values.set(key, value);
      },
    };
  };
}

/** An LRU emptied whenever a read of `stamp` finds it moved; `moves` counts the times it did. */
function stampedLru<V extends NonNullable<unknown>>(stamp: ChangeStamp, max: number) {
  const values = new LRUCache<string, V>({ max });
  let derivedAt = '';
  let moves = 0;
  return Object.assign(
    () => {
      const now = stamp();
      if (now !== derivedAt) {
        values.clear();
        derivedAt = now;
        moves++;
      }
      return { values, moves, stamp: now };
    },
    { moves: () => moves },
  );
}
