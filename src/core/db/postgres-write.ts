import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { errorCode, problemOf } from './constraints.js';
import { takeConnection } from './postgres-connect.js';
import { postgresStatements } from './postgres-statements.js';
import { commitAt, type WalPosition } from './postgres-wal-position.js';
import type { StatementExecutor } from './statements.js';

/*
 * A write on PostgreSQL: one transaction on one pooled connection, as SQLite's group commit gives a write its
 * IMMEDIATE transaction. It runs serializable, so a write sees what SQLite's single writer would have let it see;
 * PostgreSQL then refuses the loser of a conflict (40001) or a deadlock (40P01) rather than wait, and the write runs
 * again from the start.
 */

/** SQLSTATEs after which the transaction is rolled back and its body may simply run again. */
const retriedCodes = new Set(['40001', '40P01']);

export interface WriteRetries {
  /** How many times the body runs at most: the first attempt and its retries. */
  attempts: number;
  /** The wait before retry k (from 1) is a random part of `baseDelayMs * 2^(k-1)`, so colliding writers spread apart. */
  baseDelayMs: number;
  random: () => number;
}

const defaultWriteRetries: WriteRetries = { attempts: 5, baseDelayMs: 4, random: Math.random };

export interface WriteOptions {
  retries?: WriteRetries;
  /**
   * Whether the write may append to the change feed (the default). Such a write first waits for the feed's lock,
   * before its snapshot is taken: each appender updates the feed's one counter row (migrations/postgres/0002), and
   * under serializable an appender that waited on that row for another's commit would be refused (40001) every
   * time two met. So appending writes run one at a time, as every write does on SQLite; a write that appends
   * nothing (a webhook's claim, once the dispatcher runs on PostgreSQL) can say so and run beside them.
   */
  appendsChanges?: boolean;
  /**
   * `read committed` for a write whose rows another transaction may hold and which should pass over them (the
   * dispatcher's claims, `for update skip locked`): under serializable the claimer that skipped rows is still
   * refused (40001) when the other commits, and runs again. Serializable by default.
   */
  isolation?: 'serializable' | 'read committed';
  /**
   * Whether the feed's lock is waited for as long as another transaction holds it, past the pool's `lock_timeout`
   * and `statement_timeout` (the wait is one statement): for start-up's preparation, which another node's rebuild of
   * the search index may hold for minutes. The transaction's own statements then run without a statement timeout.
   */
  waitsForLock?: boolean;
  /** Given, the commit also reads the primary's log position after it, in the same round trip, and passes it here. */
  committedAt?(position: WalPosition): void;
}

/**
 * A commit sent whose answer never came (the connection lost under it): the transaction may have committed or not.
 * A commit the server refused (its error answered) did not commit, and is thrown as that error.
 */
export class CommitOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super(`the commit's outcome is unknown: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CommitOutcomeUnknown';
  }
}

/** Commits, reading the position after it when `committedAt` wants it; a commit left unanswered is `CommitOutcomeUnknown`. */
async function commit(client: pg.PoolClient, committedAt: WriteOptions['committedAt']) {
  try {
    if (committedAt) committedAt(await commitAt(client));
    else await client.query('commit');
  } catch (error) {
    throw error instanceof pg.DatabaseError ? error : new CommitOutcomeUnknown(error);
  }
}

/**
 * Runs `body` in a transaction on one connection and commits; rolls back and runs it again on a serialisation
 * failure or a deadlock, at most `attempts` times. The body may run more than once, so it must do nothing outside
 * the transaction. A broken constraint is thrown as the problem SQLite's path reports (core/db/constraints.ts).
 */
export async function postgresWrite<T>(
  pool: pg.Pool,
  body: (tx: StatementExecutor) => Promise<T>,
  { retries = defaultWriteRetries, appendsChanges = true, isolation = 'serializable', waitsForLock = false, committedAt }: WriteOptions = {},
): Promise<T> {
  // LOCK TABLE takes no snapshot: a serializable transaction's is taken by its first query, after the lock is held.
  const lock = appendsChanges ? `${waitsForLock ? '; set local lock_timeout = 0; set local statement_timeout = 0' : ''}; lock table changes_counter in exclusive mode` : '';
  const begin = `begin isolation level ${isolation}${lock}`;
  for (let attempt = 1; ; attempt++) {
    const client = await takeConnection(pool);
    let unusable: Error | undefined;
    try {
      await client.query(begin);
      const result = await body(postgresStatements(client));
      await commit(client, committedAt);
      return result;
    } catch (error) {
      // A connection that cannot even roll back is closed rather than given back to the pool.
      await client.query('rollback').catch((failure: Error) => {
        unusable = failure;
      });
      if (!retriedCodes.has(errorCode(error) ?? '') || attempt >= retries.attempts) throw problemOf(error);
    } finally {
      client.release(unusable);
    }
    await sleep(retries.random() * retries.baseDelayMs * 2 ** (attempt - 1));
  }
}
