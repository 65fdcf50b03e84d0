import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type Sqlite from 'better-sqlite3';
import { KhabarError } from '../errors.js';
import { errorCode, problemOf } from './constraints.js';
import { type StatementExecutor, sqliteStatements } from './statements.js';

/**
 * Group commit: the writes that arrive in one turn of the event loop run one after another in one
 * IMMEDIATE transaction and commit together. A commit (with the full-text index's flush of its pending
 * terms) costs about the same for one write as for twenty, so under concurrent writes most of that cost is
 * shared; a lone write waits one turn of the loop.
 *
 * Each write sees the ones before it, exactly as if they had run one by one. A write is given `tx`, the
 * statement executor over the write connection (the shape PostgreSQL's `postgresWrite` gives), and may be async:
 * the next write starts when it has settled, and the transaction stays open until the batch's last write has
 * settled. Only this connection writes, and requests read on another (core/db/database.ts), so no other request
 * sees a batch before its commit. A batch holds at most `maxBatch` writes, and starts no further write once it has
 * held the write lock for `batchMs` (checked before each write: a transaction lasts that and its last write), so a
 * burst does not hold the lock (nor keep its first writers waiting for their answers) for as long as all of it
 * takes; the rest go first in the next batch, a turn later. A
 * write that throws rejects only its own promise: the batch is first run without savepoints, because FTS5
 * flushes its pending terms to a new segment at every savepoint, which would cost each write a segment of its
 * own (a statement that takes a statement journal, and re-indexing a document, still flush: docs/performance.md,
 * "Where a write's native time goes"); when a write fails there, the transaction is rolled back and the writes it
 * had started run again in another, each in a savepoint, so that only the failed one is undone (a write may so run
 * twice, and must do nothing outside its transaction); the rest go to the next batch. Every promise settles after
 * the commit, so a response never reports a write that is not stored; when the transaction itself fails (its
 * commit, or a write that ended it), every write of the batch is rejected, those its time left unstarted too, and
 * when the retry's fails, the writes it ran.
 *
 * A batch shares the event loop: once its writes have run `sliceMs` since the loop last turned, their next statement
 * (or the commit) waits for the next turn, so the requests that arrived meanwhile (reads, on their own connection,
 * see the last commit) are served between a write's steps rather than after the whole batch. The transaction stays
 * open meanwhile, and the next batch does not start: the writes still run one after another, in order.
 *
 * The write lock is awaited, not waited for: another process's write (WORKERS > 1, a command line tool) holds it
 * while SQLite's busy handler would sleep on this thread, stopping every request of this process for as long. So a
 * batch's BEGIN does not wait at all, and is tried again after a growing pause until `lockWaitMs` have passed; then
 * the batch's writes fail as `overloaded`, which a client may retry.
 */
export interface GroupCommit {
  /** `observe` learns where the write's time went once it has committed. */
  run<T>(write: (tx: StatementExecutor) => T | Promise<T>, observe?: (timing: WriteTiming) => void): Promise<T>;
}

/** Milliseconds a write spent waiting for its batch, in the batch's transaction (its own and the writes before it), and committing. */
export interface WriteTiming {
  queue: number;
  transaction: number;
  commit: number;
  /** Writes in its batch. */
  batch: number;
}

interface Pending {
  write: (tx: StatementExecutor) => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  queuedAt: number;
  /** Since when it has waited for the write lock: when it was queued, or when a batch that held the lock left it for the next. */
  waitingSince: number;
  observe: ((timing: WriteTiming) => void) | undefined;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** When a batch's transaction began (the first time, if it ran twice) and when its last write settled. */
interface BatchClock {
  begun(): void;
  written(): void;
}

/** A write of a batch run without savepoints threw, and the transaction is still open: worth a run with them. */
class WriteFailed {
  /** `attempted`: the writes the batch had started, the failed one included. */
  constructor(
    readonly error: unknown,
    readonly attempted: number,
  ) {}
}

const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

export interface GroupCommitOptions {
  /** Writes a batch holds at most. */
  maxBatch?: number;
  /** How long a batch waits for another process to give up the write lock before its writes fail (`overloaded`). */
  lockWaitMs?: number;
  /** Milliseconds a batch runs on the event loop before it lets the loop turn (docs/performance.md, "A write's slices"). */
  sliceMs?: number;
  /** Milliseconds a batch holds the write lock before it starts no further write. */
  batchMs?: number;
}

/** WRITE_BATCH_MS's default: a batch's transaction then lasts about that and one write, under issue 20's 50 ms (docs/performance.md). */
export const defaultWriteBatchMs = 30;

/** The pauses between a batch's tries for the write lock: short at first, as another process's write is, then capped. */
const lockRetryMs = (attempt: number) => Math.min(2 ** attempt, 20);

/**
 * A batch's time on the event loop since the loop last turned: `pause` is a promise of the next turn once the batch
 * has run its share since `resume`, and nothing before. The share is `sliceMs`, or as long as the last pause lasted
 * if that was longer: when reads keep the loop busy, a write still gets about half of it, so writes cannot fall
 * behind without bound, nor hold the write lock for ever longer.
 */
function slices(sliceMs: number) {
  let resumedAt = 0;
  let share = sliceMs;
  const resume = () => {
    resumedAt = performance.now();
    share = sliceMs;
  };
  const pause = async () => {
    const pausedAt = performance.now();
    await nextTurn();
    resumedAt = performance.now();
    share = Math.max(sliceMs, resumedAt - pausedAt);
  };
  return { resume, pause: (): Promise<void> | undefined => (performance.now() - resumedAt < share ? undefined : pause()) };
}

export function groupCommit(sqlite: Sqlite.Database, { maxBatch = 64, lockWaitMs = 5_000, sliceMs = 0.25, batchMs = defaultWriteBatchMs }: GroupCommitOptions = {}): GroupCommit {
  const slice = slices(sliceMs);
  const tx = sqliteStatements(sqlite, slice.pause);
  const begin = sqlite.prepare('begin immediate');
  // The connection's busy timeout stays for what runs inside a transaction; only BEGIN goes without it.
  // (Through `pragma()` each time: a prepared PRAGMA statement run again did not reliably set it.)
  const busyTimeout = Number(sqlite.pragma('busy_timeout', { simple: true }));
  const setBusyTimeout = (ms: number) => sqlite.pragma(`busy_timeout = ${ms}`);
  const commit = sqlite.prepare('commit');
  const rollback = sqlite.prepare('rollback');
  const savepoint = sqlite.prepare('savepoint write');
  const release = sqlite.prepare('release write');
  const rollbackToSavepoint = sqlite.prepare('rollback to write');
  const queue: Pending[] = [];
  /** A batch is under way (perhaps awaiting): nothing else starts on the connection. */
  let busy = false;
  let scheduled = false;
  /** The callers of committed batches, told in order, a turn each. */
  let settling = Promise.resolve();

  /** A write that ended the transaction itself (disk full, a stray ROLLBACK) fails the batch. */
  const stillOpen = (value: unknown) => {
    if (!sqlite.inTransaction) throw new Error('a write ended its transaction');
    return value;
  };
  /**
   * Runs a write, a promise only when the write returned one: its caller awaits only then, so a batch of synchronous
   * writes runs within one call (its statements are not on `tx`, where the pauses are; only its commit may wait a turn).
   */
  const runWrite = (pending: Pending): unknown => {
    const value = pending.write(tx);
    return isPromise(value) ? value.then(stillOpen) : stillOpen(value);
  };

  /** BEGIN IMMEDIATE without sleeping on the thread: false when another connection holds the write lock. */
  function tryBegin(): boolean {
    setBusyTimeout(0);
    try {
      begin.run();
      return true;
    } catch (error) {
      if (errorCode(error)?.startsWith('SQLITE_BUSY')) return false;
      throw error;
    } finally {
      setBusyTimeout(busyTimeout);
    }
  }

  /**
   * Takes the write lock, pausing between tries so that this process serves requests meanwhile; gives up `lockWaitMs`
   * after the batch's first write began waiting for it: when it was queued, or when this process last held the lock
   * for it (a batch that left it for the next, or rolled back to run it again). A write queued behind a waiting
   * batch so waits no longer than that batch, and one queued behind a batch that holds the lock waits for that
   * batch, then `lockWaitMs` at most.
   */
  async function beginWhenFree(batch: Pending[]) {
    const giveUpAt = batch[0]!.waitingSince + lockWaitMs;
    for (let attempt = 0; !tryBegin(); attempt++) {
      if (performance.now() >= giveUpAt) throw new KhabarError('overloaded', 'another process has held the database for writing too long; retry later');
      await sleep(lockRetryMs(attempt));
    }
  }

  const rollbackIfOpen = () => {
    if (sqlite.inTransaction) rollback.run();
  };

  /** Whether a batch that began at `begunAt` and has run `outcomes` may start its next write. */
  const mayStartAnother = (begunAt: number, outcomes: Outcome[]) => outcomes.length === 0 || performance.now() - begunAt < batchMs;

  /** The batch's writes without savepoints, as many as its time allows: their outcomes, in order. */
  async function runTogether(batch: Pending[], begunAt: number): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const pending of batch) {
      if (!mayStartAnother(begunAt, outcomes)) break;
      try {
        const value = runWrite(pending);
        outcomes.push({ ok: true, value: isPromise(value) ? await value : value });
      } catch (error) {
        throw sqlite.inTransaction ? new WriteFailed(error, outcomes.length + 1) : error;
      }
    }
    return outcomes;
  }

  /** The writes a batch had started, each in a savepoint (all of them, so that none runs more than twice): their outcomes, in order. */
  async function runEachInSavepoint(batch: Pending[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const pending of batch) {
      savepoint.run();
      let outcome: Outcome;
      try {
        const value = runWrite(pending);
        outcome = { ok: true, value: isPromise(value) ? await value : value };
        release.run();
      } catch (error) {
        if (!sqlite.inTransaction) throw error;
        rollbackToSavepoint.run();
        release.run();
        outcome = { ok: false, error };
      }
      outcomes.push(outcome);
    }
    return outcomes;
  }

  /** The batch (or as much of it as its time allows) in one transaction, committed; `written` is told when its last write has settled. */
  async function inTransaction(batch: Pending[], run: (batch: Pending[], begunAt: number) => Promise<Outcome[]>, { begun, written }: BatchClock): Promise<Outcome[]> {
    await beginWhenFree(batch);
    slice.resume();
    begun();
    try {
      const outcomes = await run(batch, performance.now());
      await slice.pause();
      written();
      commit.run();
      return outcomes;
    } catch (error) {
      rollbackIfOpen();
      throw error;
    }
  }

  /** Writes that wait for the lock again, from now: this process held it for them until now. */
  function waitFromNow(writes: Pending[]) {
    const now = performance.now();
    for (const pending of writes) pending.waitingSince = now;
  }

  /** Writes a batch did not start, put back at the head of the queue, before any queued since. */
  function putBack(left: Pending[]) {
    waitFromNow(left);
    queue.unshift(...left);
  }

  async function commitBatch(batch: Pending[]) {
    // The wait for the write lock counts as the writes' queue; the transaction starts when the lock is held.
    let startedAt = 0;
    let writtenAt = 0;
    const clock: BatchClock = {
      begun: () => {
        // A write that fails before it settles leaves `writtenAt` here: its transaction took no time of its own.
        if (startedAt === 0) startedAt = writtenAt = performance.now();
      },
      written: () => {
        writtenAt = performance.now();
      },
    };
    // The writes the transaction that commits runs: the batch, or after a failed write those started until then.
    let ran = batch;
    let outcomes: Outcome[];
    try {
      try {
        outcomes = await inTransaction(batch, runTogether, clock);
      } catch (error) {
        if (!(error instanceof WriteFailed)) throw error;
        // Again, each in a savepoint, the writes that ran before the failed one and it: the rest go to the next batch.
        ran = batch.slice(0, error.attempted);
        putBack(batch.slice(error.attempted));
        waitFromNow(ran);
        outcomes = ran.length === 1 ? [{ ok: false, error: error.error }] : await inTransaction(ran, runEachInSavepoint, clock);
      }
    } catch (error) {
      for (const pending of ran) pending.reject(error);
      return;
    }
    const committedAt = performance.now();
    putBack(ran.slice(outcomes.length));
    for (const pending of ran.slice(0, outcomes.length)) {
      pending.observe?.({ queue: startedAt - pending.queuedAt, transaction: writtenAt - startedAt, commit: committedAt - writtenAt, batch: outcomes.length });
    }
    // Each write's caller goes on (a response serialised and sent) in a turn of its own, not in the commit's, and
    // in order across batches; the next batch need not wait for them.
    settling = settling.then(async () => {
      for (const [i, outcome] of outcomes.entries()) {
        await nextTurn();
        if (outcome.ok) ran[i]!.resolve(outcome.value);
        // A broken constraint as the problem `postgresWrite` reports for it, so a write on `tx` fails alike on both engines.
        else ran[i]!.reject(problemOf(outcome.error));
      }
    });
  }

  /** The writes at the head of the queue, up to `maxBatch`. */
  function next(): Promise<void> {
    return commitBatch(queue.splice(0, maxBatch));
  }

  function turn() {
    scheduled = false;
    busy = true;
    void next().finally(() => {
      busy = false;
      schedule();
    });
  }

  function schedule() {
    if (busy || scheduled || queue.length === 0) return;
    scheduled = true;
    setImmediate(turn);
  }

  function enqueue<T>(write: Pending['write'], observe?: (timing: WriteTiming) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queuedAt = performance.now();
      queue.push({ write, resolve: resolve as (value: unknown) => void, reject, queuedAt, waitingSince: queuedAt, observe });
      schedule();
    });
  }

  return {
    run: (write, observe) => enqueue(write, observe),
  };
}
