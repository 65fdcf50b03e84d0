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

/** A client or a pool of the server to ask. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string): Promise<pg.QueryResult<R>>;
}

/** Runs `statement`, which selects one LSN as `position`, and reads it; null when the server gives none. */
export async function positionOf(client: Queryable, statement: string): Promise<WalPosition | null> {
  const { rows } = await client.query<{ position: string | null }>(statement);
  const text = rows[0]?.position;
  return text ? parseWalPosition(text) : null;
}
