import { postgresIndex } from '../search/postgres-search.js';
import { heldTooLong } from './constraints.js';
import type { EngineOptions, PostgresEngine } from './engine.js';
import type { WriteTiming } from './group-commit.js';
import { openPostgres } from './postgres.js';
import { openChangeSignal } from './postgres-change-signal.js';
import { postgresStatements } from './postgres-statements.js';
import { postgresWrite, type WriteOptions } from './postgres-write.js';
import type { StatementExecutor } from './statements.js';

/** How long a statement may run, and wait for a lock, before PostgreSQL cancels it: a request's budget, and SQLite's wait for the write lock. */
const statementTimeoutMs = 30_000;
const lockTimeoutMs = 5_000;

/** Whether a write tells every process's caches, and its jobs, that it committed (the change signal's notification). */
type EngineWriteOptions = WriteOptions & { tells: boolean };

/**
 * A background job's claims (EngineWrites.claim): no feed lock, since they append nothing, and `read committed`;
 * told to no process, since no cached read serves what they change (a delivery's state is read by an admin, whose
 * reads no cache keeps). Given back (`giveBack`), they are told, so that other nodes' jobs look at once.
 */
const claiming: EngineWriteOptions = { appendsChanges: false, isolation: 'read committed', tells: false };
const givingBack: EngineWriteOptions = { ...claiming, tells: true };

/**
 * PostgreSQL's engine on a `postgres://` URL: the pool (DATABASE_POOL_MAX connections), migrated under the advisory
 * lock; reads on the pool; each write `postgresWrite`'s transaction, which sends the change signal's notification
 * so that every other process's stamp moves at its commit (and this one's as it ends).
 */
export async function openPostgresEngine(url: string, { poolMax, log }: EngineOptions): Promise<PostgresEngine> {
  const postgres = await openPostgres(url, {
    max: poolMax,
    statementTimeoutMs,
    lockTimeoutMs,
    onIdleError: (error) => log.warn('an idle PostgreSQL connection failed; the pool opens another when needed', error),
  });
  const signal = await openChangeSignal(url, {
    log: {
      lost: (error) => log.warn('the change signal lost its PostgreSQL connection: caches keep nothing until it is back', error),
      restored: () => log.info('the change signal listens again'),
    },
  }).catch(async (error: unknown) => {
    await postgres.close();
    throw error;
  });

  // A process's appending writes take a connection one at a time: each would wait for the feed's lock anyway
  // (postgres-write.ts), and a write waiting here rather than on the lock leaves the pool's other connections to reads.
  let lastAppending: Promise<unknown> = Promise.resolve();
  function appendingInTurn<T>(run: () => Promise<T>): Promise<T> {
    const turn = lastAppending.then(run, run);
    lastAppending = turn.catch(() => undefined);
    return turn;
  }

  async function write<T>(body: (tx: StatementExecutor) => T | Promise<T>, options: EngineWriteOptions, observe?: (timing: WriteTiming) => void): Promise<T> {
    const queuedAt = performance.now();
    const inTurn = options.appendsChanges === false ? <R>(run: () => Promise<R>) => run() : appendingInTurn;
    return inTurn(() => transaction(body, options, queuedAt, observe));
  }

  async function transaction<T>(body: (tx: StatementExecutor) => T | Promise<T>, options: EngineWriteOptions, queuedAt: number, observe?: (timing: WriteTiming) => void): Promise<T> {
    // As long as the feed's lock is waited for: a write queued longer in this process is as overloaded as one refused by lock_timeout.
    if (!options.waitsForLock && performance.now() - queuedAt > lockTimeoutMs) throw heldTooLong();
    // The last attempt's: a connection taken and the transaction begun, then its body run.
    let startedAt = queuedAt;
    let writtenAt = queuedAt;
    try {
      const value = await postgresWrite(
        postgres.pool,
        async (tx) => {
          startedAt = performance.now();
          const result = await body(tx);
          if (options.tells) await signal.notify(tx);
          writtenAt = performance.now();
          return result;
        },
        options,
      );
      observe?.({ queue: startedAt - queuedAt, transaction: writtenAt - startedAt, commit: performance.now() - writtenAt, batch: 1 });
      return value;
    } finally {
      if (options.tells) signal.wrote();
    }
  }

  return {
    name: 'postgres',
    reads: postgresStatements(postgres.pool),
    writes: {
      run: (body, observe) => write(body, { tells: true }, observe),
      claim: (body) => write(body, claiming),
      giveBack: (body) => write(body, givingBack),
      runWaitingForLock: (body) => write(body, { waitsForLock: true, tells: true }),
    },
    stamp: signal.stamp,
    notices: signal.notices,
    index: postgresIndex,
    warnings: postgres.warnings,
    async ping() {
      await postgres.pool.query('select 1');
    },
    async close() {
      await signal.close();
      await postgres.close();
    },
  };
}
