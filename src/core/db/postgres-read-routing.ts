import pg from 'pg';
import { type OutageLog, outageTracker } from './outage.js';
import { takeConnection } from './postgres-connect.js';
import { positionOf, type WalPosition } from './postgres-wal-position.js';

/*
 * Read routing to a streaming replica with read-your-writes (docs/postgresql.md, the read replica). Positions are
 * the primary's write-ahead log positions (LSNs): a write's position is where the primary's log stood after it
 * committed, and the replica has a write once its replay position has reached that.
 */

export interface ReadRoutingOptions {
  primary: pg.Pool;
  /** The replica's pool (DATABASE_READ_URL), or null: every read goes to the primary. */
  replica: pg.Pool | null;
  /** Told once when the replica cannot be read and reads move to the primary, and once when they move back. */
  log: OutageLog;
  /** How long a replay position read from the replica stands before a read that needs a newer one reads it again. */
  replayCheckMs?: number;
  /** How often the replica is probed, off the request path, while it cannot be read; reads stay on the primary meanwhile. */
  replicaRetryMs?: number;
  clock?: () => number;
}

export interface ReadRouter {
  /**
   * Runs a read on a client of the replica when the replica has replayed `after` (the position a client carries
   * from its last write, or null) and this process's last write; else, or when the replica cannot be read, on
   * the primary's.
   */
  read<T>(after: WalPosition | null, run: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /**
   * A write committed at or before `position`, by this process (`commitAt`'s position) or by another node (the
   * change signal's `onPosition`): this process's later reads wait for the replica to replay it.
   */
  committed(position: WalPosition): void;
  /**
   * Stops probing a failed replica. A replay check or probe under way is not waited for (one a silent replica holds
   * would hold the close for the connection timeout): what it finds after the close is neither logged nor followed
   * by another probe, and closing the replica's pool ends it.
   */
  close(): void;
}

/**
 * Errors of the server or the link, not of the statement: its shutdown (57P), no connection or resources left (08,
 * 53), a socket error (Node's system errors name their `syscall`), or the connection ended under the query (node-postgres'
 * words, and its `query_timeout`'s, which leaves the query running on the connection). Anything else a read throws, its own code's errors included, is the read's.
 */
function serverUnavailable(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return /^(08|57P|53)/.test(error.code ?? '');
  return error instanceof Error && ('syscall' in error || error.message.startsWith('Connection terminated') || error.message === 'Query read timeout');
}

/** A standby cancels a read whose rows its replay must remove (40001, conflict with recovery): the primary has no such conflict. */
const recoveryConflict = (error: unknown) => error instanceof pg.DatabaseError && error.code === '40001';

/**
 * Routes reads between a primary and an optional replica. The replica's replay position is read when a read needs a
 * newer one than the last read (at most once per `replayCheckMs`, shared by the reads waiting for it). Once the
 * replica fails, reads go to the primary without touching it, and a probe (a read of its replay position) tries it
 * every `replicaRetryMs` off the request path until one succeeds: no read waits on a replica known to be unreachable,
 * which may hold a connection attempt for the pool's whole connection timeout.
 */
export function createReadRouter({ primary, replica, log, replayCheckMs = 50, replicaRetryMs = 5_000, clock = Date.now }: ReadRoutingOptions): ReadRouter {
  const outage = outageTracker(log);
  let replayed: WalPosition = 0n;
  let checkedAt = Number.NEGATIVE_INFINITY;
  // The last write this process made or heard of: every read must see it.
  let mustSee: WalPosition = 0n;
  let check: Promise<void> | null = null;
  let probe: NodeJS.Timeout | undefined;
  let closed = false;

  /** The replica cannot be read: reads go to the primary until a probe, every `replicaRetryMs`, reads it again. */
  function failed(replica: pg.Pool, error: unknown) {
    if (closed) return;
    outage.lost(error);
    if (probe !== undefined) return;
    probe = setTimeout(() => {
      probe = undefined;
      void checkReplay(replica);
    }, replicaRetryMs).unref();
  }

  async function readReplayed(replica: pg.Pool) {
    try {
      const position = await positionOf(replica, 'select pg_last_wal_replay_lsn()::text as position');
      // Null: a server that is not a standby (promoted, or the wrong URL) says nothing of how far it has replayed.
      if (position === null) throw new Error('DATABASE_READ_URL is not a standby: it has no replay position');
      if (closed) return;
      replayed = position;
      outage.restored();
    } catch (error) {
      failed(replica, error);
    } finally {
      checkedAt = clock();
    }
  }

  /** Reads the replica's replay position, or joins the read under way. */
  function checkReplay(replica: pg.Pool): Promise<void> {
    check ??= readReplayed(replica).finally(() => {
      check = null;
    });
    return check;
  }

  /** Whether the replica serves a read that must see `needed`, reading its replay position again when that is due. */
  async function replicaServes(replica: pg.Pool, needed: WalPosition): Promise<boolean> {
    if (outage.down) return false;
    if (needed > replayed && clock() - checkedAt >= replayCheckMs) await checkReplay(replica);
    return !outage.down && needed <= replayed;
  }

  async function runWith<T>(client: pg.PoolClient, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      const result = await run(client);
      client.release();
      return result;
    } catch (error) {
      // A broken connection is closed rather than given back to the pool.
      client.release(serverUnavailable(error));
      throw error;
    }
  }

  const onPrimary = async <T>(run: (client: pg.PoolClient) => Promise<T>) => runWith(await takeConnection(primary), run);

  return {
    async read(after, run) {
      const needed = after !== null && after > mustSee ? after : mustSee;
      if (replica === null || !(await replicaServes(replica, needed))) return onPrimary(run);
      let client: pg.PoolClient;
      try {
        client = await replica.connect();
      } catch (error) {
        // Whatever stops a connection (refused, a database or role the replica lacks, its start-up) is the replica's.
        failed(replica, error);
        return onPrimary(run);
      }
      try {
        return await runWith(client, run);
      } catch (error) {
        if (serverUnavailable(error)) failed(replica, error);
        else if (!recoveryConflict(error)) throw error;
        return onPrimary(run);
      }
    },
    committed(position) {
      if (position > mustSee) mustSee = position;
    },
    close() {
      closed = true;
      clearTimeout(probe);
    },
  };
}
