import type pg from 'pg';
import { parseWalPosition, type WalPosition } from './postgres-wal-position.js';

/*
 * The committed change count (migrations/postgres/0007): every telling write advances it as it sends its
 * notification, so a node that reads it before a request consults its caches learns of every such commit the
 * request's reads will see, whether or not the notification has arrived (docs/postgresql.md, several nodes).
 */

/** How long a count read may take before its requests go on without the caches. */
const countReadTimeoutMs = 1_000;

/**
 * Named, so that each connection prepares it once. On the primary it reads the log's position too, past every commit
 * the count holds; a replica (in recovery) gives none.
 */
const countQuery = {
  name: 'khabar change count',
  // node-postgres' own bound (not typed in its QueryConfig): a count read on a connection gone silent would hold every
  // request sharing it until TCP gives up. On its timeout the read router closes the connection.
  query_timeout: countReadTimeoutMs,
  text: 'select n::text as n, case when pg_is_in_recovery() then null else pg_current_wal_insert_lsn()::text end as position from change_count where id = 1',
};

/** The committed change count, and where the primary's log was when it was read (null when read on a replica). */
export interface ChangeCount {
  count: number;
  position: WalPosition | null;
}

/** Reads the count on `client`: the connection a request's reads are routed to. */
export async function readChangeCount(client: pg.ClientBase): Promise<ChangeCount> {
  const { rows } = await client.query<{ n: string; position: string | null }>(countQuery);
  const row = rows[0];
  if (row === undefined) throw new Error('change_count has no row: the database was not migrated');
  return { count: Number(row.n), position: row.position === null ? null : parseWalPosition(row.position) };
}

/**
 * Reads the count for a request that must see `after` (or null) and passes it to `heard`. Readers without a
 * position share a read, but only one that starts after they asked: one under way when they ask may have been
 * answered before the commit they must see, so they wait for it and share the next. A reader with a position reads
 * alone, on the connection that position routes it to.
 */
export function changeCountReader<C>(read: (after: WalPosition | null) => Promise<C>, heard: (count: C) => void): (after: WalPosition | null) => Promise<void> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const readNow = () => read(null).then(heard);
  return (after) => {
    if (after !== null) return read(after).then(heard);
    if (running === null) {
      running = readNow().finally(() => {
        running = null;
      });
      return running;
    }
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = null;
        running = readNow().finally(() => {
          running = null;
        });
        return running;
      });
    return next;
  };
}
