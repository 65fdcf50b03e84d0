import { KhabarError } from '../errors.js';
import { postgresIndex } from '../search/postgres-search.js';
import { heldTooLong } from './constraints.js';
import type { EngineOptions, PostgresEngine } from './engine.js';
import type { WriteTiming } from './group-commit.js';
import { openPostgres, openReadReplica, type PostgresOptions } from './postgres.js';
import { changeCountReader, readChangeCount } from './postgres-change-count.js';
import { openChangeSignal } from './postgres-change-signal.js';
import { pendingListMerger } from './postgres-pending-lists.js';
import { createReadRouter } from './postgres-read-routing.js';
import { postgresStatements } from './postgres-statements.js';
import { currentPosition, type WalPosition } from './postgres-wal-position.js';
import { CommitOutcomeUnknown, postgresWrite, type WriteOptions } from './postgres-write.js';
import { currentScope, readPositions, recordWrite } from './read-positions.js';
import type { StatementExecutor } from './statements.js';

/** How long a statement may run, and wait for a lock, before PostgreSQL cancels it: a request's budget, and SQLite's wait for the write lock. */
const statementTimeoutMs = 30_000;
const lockTimeoutMs = 5_000;

/**
 * Whom a write tells that it committed: every process's caches and jobs (it advances the change count and sends the
 * notification), their jobs alone (the notification without the count: caches read nothing it changes), or no one.
 */
type EngineWriteOptions = WriteOptions & { tells: 'caches and jobs' | 'jobs' | 'no one' };

/**
 * A background job's claims (EngineWrites.claim): no feed lock, since they append nothing, and `read committed`;
 * told to no process, since no cached read serves what they change (a delivery's state is read by an admin, whose
 * reads no cache keeps). Given back (`giveBack`), they are told, so that other nodes' jobs look at once.
 */
const claiming: EngineWriteOptions = { appendsChanges: false, isolation: 'read committed', tells: 'no one' };
// Not the count: a write at read committed that advanced it would refuse the serializable appending writes that
// took their snapshot before it committed (40001), every one of them while a node shuts down.
const givingBack: EngineWriteOptions = { ...claiming, tells: 'jobs' };

/**
 * PostgreSQL's engine on a `postgres://` URL: the pool (DATABASE_POOL_MAX connections), migrated under the advisory
 * lock; reads through the read router, on a replica's pool of as many connections (DATABASE_READ_URL) when one is
 * given and has replayed what the read must see, else on the pool; each write `postgresWrite`'s transaction, which
 * sends the change signal's notification so that every other process's stamp moves at its commit (and this one's
 * as it ends), and reads the primary's position with its commit, for the router and the request's scope.
 */
export async function openPostgresEngine(url: string, { poolMax, readUrl = null, log }: EngineOptions): Promise<PostgresEngine> {
  const poolOptions: PostgresOptions = {
    max: poolMax,
    statementTimeoutMs,
    lockTimeoutMs,
    onIdleError: (error) => log.warn('an idle PostgreSQL connection failed; the pool opens another when needed', error),
  };
  const postgres = await openPostgres(url, poolOptions);
  const replica = readUrl === null ? null : openReadReplica(readUrl, poolOptions);
  const router = createReadRouter({
    primary: postgres.pool,
    replica: replica?.pool ?? null,
    log: {
      lost: (error) => log.warn('the read replica cannot be read: reads go to the primary until it can', error),
      restored: () => log.info('the read replica serves reads again'),
    },
  });
  const closePools = async () => {
    router.close();
    await replica?.close();
    await postgres.close();
  };
  // The migrations just applied, and what other nodes wrote before this one started: a lagging replica lacks them.
  if (replica !== null) {
    try {
      router.committed(await currentPosition(postgres.pool));
    } catch (error) {
      await closePools();
      throw error;
    }
  }
  const signal = await openChangeSignal(url, {
    log: {
      lost: (error) => log.warn('the change signal lost its PostgreSQL connection: caches keep nothing until it is back', error),
      restored: () => log.info('the change signal listens again'),
    },
    // Other nodes' writes, which reads here must see too: only a replica can lack them.
    ...(replica === null ? {} : { onPosition: (position: WalPosition) => router.committed(position) }),
  }).catch(async (error: unknown) => {
    await closePools();
    throw error;
  });

  // Read on the connection the request's reads are routed to: a replica's count is what that replica holds. A count
  // read on the primary that is news here came with no notification's position yet: the router has it first, so no
  // read derives a value from a replica that lacks the commit under the stamp the count moves.
  // A count that cannot be read (a connection gone silent, the server away) vouches for no cache: the stamp moves and
  // the request reads the data, which answers or fails on its own; only an overloaded pool fails the request here.
  const readCount = changeCountReader(
    (after) =>
      router.read(after, readChangeCount).catch((error: unknown) => {
        if (error instanceof KhabarError) throw error;
        return null;
      }),
    (read) => {
      if (read === null) return signal.doubted();
      if (read.position !== null && signal.isNews(read.count)) router.committed(read.position);
      signal.counted(read.count);
    },
  );

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
    // The request that asked for the write, found before anything is awaited.
    const scope = currentScope();
    const committedAt = (position: WalPosition) => {
      router.committed(position);
      recordWrite(scope, position);
    };
    const inTurn = options.appendsChanges === false ? <R>(run: () => Promise<R>) => run() : appendingInTurn;
    return inTurn(() => transaction(body, { ...options, committedAt }, queuedAt, observe));
  }

  async function transaction<T>(body: (tx: StatementExecutor) => T | Promise<T>, options: EngineWriteOptions, queuedAt: number, observe?: (timing: WriteTiming) => void): Promise<T> {
    // As long as the feed's lock is waited for: a write queued longer in this process is as overloaded as one refused by lock_timeout.
    if (!options.waitsForLock && performance.now() - queuedAt > lockTimeoutMs) throw heldTooLong();
    // The last attempt's: a connection taken and the transaction begun, then its body run.
    let startedAt = queuedAt;
    let writtenAt = queuedAt;
    // The change count the last attempt's notification took.
    let counted: number | undefined;
    try {
      const value = await postgresWrite(
        postgres.pool,
        async (tx) => {
          startedAt = performance.now();
          const result = await body(tx);
          if (options.tells === 'caches and jobs') counted = await signal.notify(tx);
          else if (options.tells === 'jobs') await signal.wake(tx);
          writtenAt = performance.now();
          return result;
        },
        options,
      );
      if (options.tells !== 'no one') signal.wrote(counted);
      observe?.({ queue: startedAt - queuedAt, transaction: writtenAt - startedAt, commit: performance.now() - writtenAt, batch: 1 });
      return value;
    } catch (error) {
      // A write that failed changed nothing to tell; one whose commit went unanswered may have committed, and a
      // stamp moved for nothing only empties the caches once more, where an untold commit would leave them stale.
      if (options.tells !== 'no one' && error instanceof CommitOutcomeUnknown) signal.wrote();
      throw error;
    }
  }

  return {
    name: 'postgres',
    reads: postgresStatements((run) => router.read(currentScope()?.after ?? null, run)),
    writes: {
      run: (body, observe) => write(body, { tells: 'caches and jobs' }, observe),
      claim: (body) => write(body, claiming),
      giveBack: (body) => write(body, givingBack),
      runWaitingForLock: (body) => write(body, { waitsForLock: true, tells: 'caches and jobs' }),
    },
    stamp: signal.stamp,
    catchUp: () => readCount(currentScope()?.after ?? null),
    notices: signal.notices,
    index: postgresIndex,
    upkeep: pendingListMerger(
      (body) => write(body, claiming),
      (message, error) => log.warn(message, error),
    ),
    warnings: postgres.warnings,
    positions: readPositions,
    async ping() {
      await postgres.pool.query('select 1');
    },
    async close() {
      await signal.close();
      await closePools();
    },
  };
}
