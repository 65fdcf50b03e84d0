import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { messageOf } from '../errors.js';
import type { ChangeStamp } from './change-stamp.js';
import type { CommitNotices } from './commit-notices.js';
import { DatabaseError } from './database.js';
import { type OutageLog, outageTracker } from './outage.js';
import { keepAliveIdleMs } from './postgres.js';
import { positionOf, type WalPosition } from './postgres-wal-position.js';
import { outsideRequests } from './read-positions.js';
import type { StatementExecutor } from './statements.js';

/*
 * The cross-node change signal (docs/postgresql.md, several nodes): every committing write sends a notification on
 * one channel, and each process keeps one connection listening to it. The change stamp it derives is what the
 * per-process caches key on, as SQLite's (change-stamp.ts) is: a string that moves whenever the data may have changed.
 */

export const changeChannel = 'khabar_changes';

/**
 * What a telling write's transaction runs, in one statement: it advances the committed change count
 * (postgres-change-count.ts) and sends the notification, whose payload is the sending process's tag and the count.
 */
const notification = sql<{
  count: string;
}>`with counted as (update change_count set n = n + 1 where id = 1 returning n) select n::text as count, pg_notify(${sql.placeholder('channel')}, ${sql.placeholder('tag')} || ' ' || n) from counted`;

/** The notification alone, for a write that changes nothing a cache reads: its payload has no count. */
const wakeUp = sql`select pg_notify(${sql.placeholder('channel')}, ${sql.placeholder('tag')})`;

/** How long one attempt may take to connect (a host that drops packets would otherwise hold it for minutes). */
const connectTimeoutMs = 10_000;

export interface ChangeSignalOptions {
  log: OutageLog;
  /** The wait before the first reconnection attempt; it doubles per failed attempt, up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Given, the primary's log position is read on the listening connection after other processes' notifications
   * (one read at a time, one more if any arrived meanwhile) and passed here: the read router's `observed`, so that
   * reads wait for a replica to replay what other nodes wrote. The stamp moves again after each.
   */
  onPosition?(position: WalPosition): void;
}

export interface ChangeSignal {
  /** The engine's change stamp on PostgreSQL: moves on every notification, and on every call while the listening connection is down. */
  stamp: ChangeStamp;
  /**
   * Advances the change count and sends this process's notification inside a write's transaction (once per
   * transaction): PostgreSQL delivers it only if the transaction commits. The payload names the process and the
   * count, never the data. Resolves to the count the write takes if it commits.
   */
  notify(tx: StatementExecutor): Promise<number>;
  /**
   * Sends this process's notification without advancing the count, for a write no cache reads (a claim given back):
   * other nodes' jobs look. A notification without a count still moves their stamps, as one from an older khabar would.
   */
  wake(tx: StatementExecutor): Promise<void>;
  /**
   * This process has written (call it when the transaction has committed, or may have, with the count its
   * notification took when the commit is known): the stamp moves now, not when the echo arrives.
   */
  wrote(count?: number): void;
  /** A change count could not be read: the stamp moves, so no cache answers the requests that asked for it. */
  doubted(): void;
  /** Whether a change count is past every count heard. */
  isNews(count: number): boolean;
  /** The change count read before a request consults a cache: the stamp moves if it is past every count heard. */
  counted(count: number): void;
  /** Every process's commits as they are heard (this one's at `wrote()`): what wakes the jobs and the change stream's watcher. */
  notices: CommitNotices;
  /** Whether the connection is listening now. */
  readonly listening: boolean;
  /** Stops listening and reconnecting; the connection is closed when this resolves. */
  close(): Promise<void>;
}

/**
 * Connects the process's listening connection to `url` and resolves once it listens (a database that cannot be
 * reached at start fails start-up, as openPostgres does). A lost connection moves the stamp, which keeps moving on
 * every read until the connection listens again (notifications sent meanwhile are lost, so nothing derived during
 * the outage may be kept), and is reconnected with a doubling wait, logged once per outage.
 */
export async function openChangeSignal(url: string, { log, minBackoffMs = 100, maxBackoffMs = 5_000, onPosition }: ChangeSignalOptions): Promise<ChangeSignal> {
  // A process's own notifications come back to its listener: its tag lets it skip them, since `wrote` has counted them.
  const tag = randomUUID();
  const outage = outageTracker(log);
  let changes = 0;
  // The highest change count heard: every telling write up to it has committed, and the stamp has moved since.
  let heardCount = 0;
  let listening = false;
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let backoffMs = minBackoffMs;
  let attempt: Promise<void> = Promise.resolve();
  let positionWanted = false;
  let positionRead: Promise<void> | null = null;
  const listeners = new Set<() => void>();
  /**
   * The stamp moves, and whoever waits for commits is told, outside the scope of the request whose write may have
   * called this (`wrote`), so that the jobs it wakes do not read or write as that request.
   */
  function moved() {
    changes++;
    outsideRequests(() => {
      for (const listener of listeners) listener();
    });
  }

  /** Reads the primary's position after a notification, for `onPosition`: one read at a time, one more if wanted meanwhile. */
  function readPosition(listener: pg.Client, report: (position: WalPosition) => void) {
    positionWanted = true;
    positionRead ??= (async () => {
      while (positionWanted) {
        positionWanted = false;
        // Past the commit that sent the notification: the notification is sent after it.
        const position = await positionOf(listener, 'select pg_current_wal_insert_lsn()::text as position');
        if (position !== null) report(position);
        // What was derived since the notification may have been read from a replica that lacked the write; and a
        // job or stream woken by the notification may have looked there: they are told again, now that reads see it.
        moved();
      }
    })()
      // A failed read means a lost connection, which its 'end' reports.
      .catch(() => undefined)
      .finally(() => {
        positionRead = null;
      });
  }

  function lost(error: unknown) {
    listening = false;
    moved();
    outage.lost(error);
    if (!closed) retry = setTimeout(reconnect, backoffMs).unref();
    backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
  }

  function reconnect() {
    attempt = listen().then((error) => {
      if (error !== undefined) lost(error);
    });
  }

  /** One attempt: a new connection that listens, or the error that stopped it. */
  async function listen(): Promise<unknown> {
    const candidate = new pg.Client({
      connectionString: url,
      application_name: 'khabar change signal',
      keepAlive: true,
      keepAliveInitialDelayMillis: keepAliveIdleMs,
      connectionTimeoutMillis: connectTimeoutMs,
    });
    let failure: unknown = new Error('the listening connection ended');
    // node-postgres emits 'error' on an unexpected end, then 'end': the error is kept for the log, reported at the end.
    candidate.on('error', (error) => {
      failure = error;
    });
    candidate.on('notification', (notification) => {
      const [sender, count] = (notification.payload ?? '').split(' ');
      if (sender === tag) return;
      // A count this process has already read before a request (catch-up) moved the stamp then; once is enough.
      const told = Number(count);
      if (!(told <= heardCount)) {
        heard(told);
        moved();
      }
      if (onPosition) readPosition(candidate, onPosition);
    });
    try {
      await candidate.connect();
      await candidate.query(`listen ${changeChannel}`);
    } catch (error) {
      await candidate.end().catch(() => undefined);
      return error;
    }
    if (closed) {
      await candidate.end();
      return undefined;
    }
    candidate.once('end', () => {
      client = undefined;
      if (!closed) lost(failure);
    });
    client = candidate;
    listening = true;
    // Writes committed before LISTEN took effect (during an outage, say) sent nothing this connection heard.
    moved();
    if (onPosition) readPosition(candidate, onPosition);
    backoffMs = minBackoffMs;
    outage.restored();
    return undefined;
  }

  /** Counts up to `count` are known committed, and the stamp moves before this process reads again. */
  function heard(count: number) {
    if (count > heardCount) heardCount = count;
  }

  const failed = await listen();
  if (failed !== undefined) throw new DatabaseError(`cannot listen for changes: ${messageOf(failed)}`);

  return {
    stamp() {
      if (!listening) changes++;
      return String(changes);
    },
    async notify(tx) {
      const row = await tx.prepare(notification).get({ channel: changeChannel, tag });
      return Number(row?.count);
    },
    async wake(tx) {
      await tx.prepare(wakeUp).run({ channel: changeChannel, tag });
    },
    wrote(count) {
      if (count !== undefined) heard(count);
      moved();
    },
    doubted() {
      changes++;
    },
    isNews: (count) => count > heardCount,
    counted(count) {
      if (count <= heardCount) return;
      heard(count);
      moved();
    },
    notices: {
      get heard() {
        return listening;
      },
      listen(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await attempt;
      listening = false;
      await client?.end();
      await positionRead;
    },
  };
}
