import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { Db } from './database.js';

/** Keys of POSTs made with Idempotency-Key, per writer, with the response to replay. */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    writer: text().notNull(),
    key: text().notNull(),
    /** A digest of what was asked (method, path, body): the same key with another request is refused. */
    fingerprint: text().notNull(),
    /** Null while the first request is still being processed. */
    status: integer(),
    headers: text({ mode: 'json' }).$type<Record<string, string>>(),
    body: text(),
    /** Milliseconds since the epoch. */
    created_at: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.writer, t.key] }), index('idempotency_keys_created_idx').on(t.created_at)],
);

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Claim = { outcome: 'claimed' } | { outcome: 'in_flight' } | { outcome: 'reused' } | { outcome: 'replay'; response: StoredResponse };

export interface IdempotencyOptions {
  /** How long a key is remembered. */
  ttlMs: number;
  /** How long an unfinished request holds its key (a crash must not hold it for the whole ttl). */
  inFlightMs: number;
}

/** The idempotency key store: claim a key before the work, record the response after it, or release it. */
export function idempotencyStore(db: Db, options: IdempotencyOptions) {
  const t = idempotencyKeys;
  const keyOf = and(eq(t.writer, sql.placeholder('writer')), eq(t.key, sql.placeholder('key')));
  const purge = db
    .delete(t)
    .where(or(lt(t.created_at, sql.placeholder('expired')), and(isNull(t.status), lt(t.created_at, sql.placeholder('stalled')))))
    .prepare();
  const insert = db
    .insert(t)
    .values({ writer: sql.placeholder('writer'), key: sql.placeholder('key'), fingerprint: sql.placeholder('fingerprint'), created_at: sql.placeholder('now') })
    .onConflictDoNothing()
    .prepare();
  const select = db.select().from(t).where(keyOf).prepare();
  const release = db.delete(t).where(keyOf).prepare();

  return {
    /** Takes the key for this request, or says why not: another request has it, or its response is stored. */
    claim(writer: string, key: string, fingerprint: string, now = Date.now()): Claim {
      return db.transaction(() => {
        purge.run({ expired: now - options.ttlMs, stalled: now - options.inFlightMs });
        if (insert.run({ writer, key, fingerprint, now }).changes === 1) return { outcome: 'claimed' as const };
        const row = select.get({ writer, key })!;
        if (row.fingerprint !== fingerprint) return { outcome: 'reused' as const };
        if (row.status === null) return { outcome: 'in_flight' as const };
        return { outcome: 'replay' as const, response: { status: row.status, headers: row.headers ?? {}, body: row.body ?? '' } };
      });
    },
    complete(writer: string, key: string, response: StoredResponse) {
      db.update(t)
        .set({ status: response.status, headers: response.headers, body: response.body })
        .where(and(eq(t.writer, writer), eq(t.key, key)))
        .run();
    },
    release(writer: string, key: string) {
      release.run({ writer, key });
    },
  };
}

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;
