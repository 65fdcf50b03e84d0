import type pg from 'pg';
import type { WalPosition } from './postgres-wal-position.js';

/*
 * The committed change count (migrations/postgres/0007): every telling write advances it as it sends its
 * notification, so a node that reads it before a request consults its caches learns of every such commit the
 * request's reads will see, whether or not the notification has arrived (docs/postgresql.md, several nodes).
 */

/** Named, so that each connection prepares it once. */
const countQuery = { name: 'khabar change count', text: 'select n::text as n from change_count where id = 1' };

/** Reads the count on `client`: the connection a request's reads are routed to. */
export async function readChangeCount(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: string }>(countQuery);
  const n = rows[0]?.n;
  if (n === undefined) throw new Error('change_count has no row: the database was not migrated');
  return Number(n);
}

/**
 * Reads the count for a request that must see `after` (or null) and passes it to `heard`. Readers without a
 * position share a read, but only one that starts after they asked: one under way when they ask may have been
 * answered before the commit they must see, so they wait for it and share the next. A reader with a position reads
 * alone, on the connection that position routes it to.
 */
export function changeCountReader(read: (after: WalPosition | null) => Promise<number>, heard: (count: number) => void): (after: WalPosition | null) => Promise<void> {
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
