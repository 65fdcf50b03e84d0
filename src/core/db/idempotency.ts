import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { insertRow, type StatementExecutor, statement, unqualified } from './statements.js';

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

const t = idempotencyKeys;
const keyOf = and(eq(t.writer, sql.placeholder('writer')), eq(t.key, sql.placeholder('key')));
// Written once for either engine (docs/postgresql.md, step 2), run on a write's executor.
const purge = sql`delete from ${t} where ${or(lt(t.created_at, sql.placeholder('expired')), and(isNull(t.status), lt(t.created_at, sql.placeholder('stalled'))))}`;
const insert = insertRow(t, ['writer', 'key', 'fingerprint', 'created_at'], sql`on conflict do nothing`);
const stored = statement.select().from(t).where(keyOf);
const complete = sql`update ${t} set ${unqualified(t.status)} = ${sql.placeholder('status')}, ${unqualified(t.headers)} = ${sql.param(sql.placeholder('headers'), t.headers)}, ${unqualified(t.body)} = ${sql.placeholder('body')} where ${keyOf}`;
const release = sql`delete from ${t} where ${keyOf}`;

/** Inserts tried by one claim whose key was released each time between its insert and its read. */
const maxClaimAttempts = 3;

/** Whose key, and what it was given with. */
export interface KeyedRequest {
  writer: string;
  key: string;
  /** A digest of what was asked (method, path, body). */
  fingerprint: string;
}

/**
 * Takes the key for this request in a write's transaction (`tx`), or says why not: another request has it, or its
 * response is stored. Keys past `ttlMs`, and unfinished claims past `inFlightMs`, are forgotten first.
 */
export async function claimIdempotencyKey(tx: StatementExecutor, options: IdempotencyOptions, request: KeyedRequest, now: number): Promise<Claim> {
  await tx.prepare(purge).run({ expired: now - options.ttlMs, stalled: now - options.inFlightMs });
  let row: typeof idempotencyKeys.$inferSelect | undefined;
  // At read committed (PostgreSQL runs claims so) the key's holder may release it between the insert and the read:
  // the key is free, and the insert is tried again.
  for (let attempt = 1; row === undefined; attempt++) {
    if ((await tx.prepare(insert).run({ ...request, created_at: now })).changes === 1) return { outcome: 'claimed' };
    row = await tx.prepare(stored).get({ writer: request.writer, key: request.key });
    if (row === undefined && attempt === maxClaimAttempts) throw new Error('an idempotency key neither inserted nor found');
  }
  if (row.fingerprint !== request.fingerprint) return { outcome: 'reused' };
  if (row.status === null) return { outcome: 'in_flight' };
  return { outcome: 'replay', response: { status: row.status, headers: row.headers ?? {}, body: row.body ?? '' } };
}

/** Stores the response a claimed key replays. */
export async function completeIdempotencyKey(tx: StatementExecutor, writer: string, key: string, response: StoredResponse): Promise<void> {
  await tx.prepare(complete).run({ writer, key, status: response.status, headers: response.headers, body: response.body });
}

/** Gives a claimed key back (the request failed): the next request with it runs. */
export async function releaseIdempotencyKey(tx: StatementExecutor, writer: string, key: string): Promise<void> {
  await tx.prepare(release).run({ writer, key });
}
