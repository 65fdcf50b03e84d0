import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { brokenConstraint, constraintProblem, errorCode } from './constraints.js';
import { postgresStatements } from './postgres-statements.js';
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

/**
 * Runs `body` in a transaction on one connection and commits; rolls back and runs it again on a serialisation
 * failure or a deadlock, at most `attempts` times. The body may run more than once, so it must do nothing outside
 * the transaction. A broken constraint is thrown as the problem SQLite's path reports (core/db/constraints.ts).
 */
export async function postgresWrite<T>(pool: pg.Pool, body: (tx: StatementExecutor) => Promise<T>, retries: WriteRetries = defaultWriteRetries): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let unusable: Error | undefined;
    try {
      await client.query('begin isolation level serializable');
      const result = await body(postgresStatements(client));
      await client.query('commit');
      return result;
    } catch (error) {
      // A connection that cannot even roll back is closed rather than given back to the pool.
      await client.query('rollback').catch((failure: Error) => {
        unusable = failure;
      });
      if (!retriedCodes.has(errorCode(error) ?? '') || attempt >= retries.attempts) {
        const kind = brokenConstraint(error);
        throw kind === null ? error : constraintProblem(kind);
      }
    } finally {
      client.release(unusable);
    }
    await sleep(retries.random() * retries.baseDelayMs * 2 ** (attempt - 1));
  }
}
