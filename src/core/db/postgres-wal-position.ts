import type pg from 'pg';

/*
 * Positions in the primary's write-ahead log (LSNs), which say whether a replica has replayed a write
 * (docs/postgresql.md, the read replica).
 */

/** A position in the primary's write-ahead log, in bytes from its start. */
export type WalPosition = bigint;

const lsnText = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

/** Reads an LSN as PostgreSQL writes it (`16/B374D848`, as a client sends it back); null for anything else. */
export function parseWalPosition(text: string): WalPosition | null {
  const parts = lsnText.exec(text);
  if (!parts) return null;
  return (BigInt(`0x${parts[1]}`) << 32n) | BigInt(`0x${parts[2]}`);
}

/** The position as PostgreSQL writes an LSN: what a write's response gives its client. */
export function formatWalPosition(position: WalPosition): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffff_ffffn).toString(16).toUpperCase()}`;
}

/** The primary's insert position: past every commit made before it is read. */
const insertPosition = 'select pg_current_wal_insert_lsn()::text as position';

/**
 * Commits the transaction open on `client` and reads the primary's position after the commit in the same round
 * trip: one simple query of two statements, whose results node-postgres gives as a list. The insert position, not
 * the write position: with `synchronous_commit = off` the commit record may not be written yet. A commit that
 * fails throws, and the select is not run.
 */
export async function commitAt(client: pg.ClientBase): Promise<WalPosition> {
  const results: unknown = await client.query(`commit; ${insertPosition}`);
  const text: unknown = Array.isArray(results) ? results[1]?.rows?.[0]?.position : undefined;
  const position = typeof text === 'string' ? parseWalPosition(text) : null;
  if (position === null) throw new Error('the primary gave no write-ahead log position after the commit');
  return position;
}

/** A client or a pool of the server to ask. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string): Promise<pg.QueryResult<R>>;
}

/** The primary's position now: past every commit made before it is read. */
export async function currentPosition(primary: Queryable): Promise<WalPosition> {
  const position = await positionOf(primary, insertPosition);
  if (position === null) throw new Error('the primary gave no write-ahead log position');
  return position;
}

/** Runs `statement`, which selects one LSN as `position`, and reads it; null when the server gives none. */
export async function positionOf(client: Queryable, statement: string): Promise<WalPosition | null> {
  const { rows } = await client.query<{ position: string | null }>(statement);
  const text = rows[0]?.position;
  return text ? parseWalPosition(text) : null;
}
