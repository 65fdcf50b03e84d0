import type Sqlite from 'better-sqlite3';

/**
 * Group commit: the writes that arrive in one turn of the event loop run one after another in one
 * IMMEDIATE transaction and commit together. A commit (with the full-text index's flush of its pending
 * terms) costs about the same for one write as for twenty, so under concurrent writes most of that cost is
 * shared; a lone write waits one turn of the loop.
 *
 * Each write sees the ones before it, exactly as if they had run one by one. A batch holds at most
 * `maxBatch` writes, so no transaction holds the loop for long; the rest wait for the next turn. A write
 * that throws rejects only its own promise: the batch is first run without savepoints, because FTS5 flushes
 * its pending terms to a new segment at every savepoint, which would cost each write a segment of its own;
 * when a write fails there, the transaction is rolled back and the batch runs again with a savepoint per
 * write, so that only the failed one is undone. Every promise settles after the commit, so a response never
 * reports a write that is not stored; when the commit itself fails, every write of the batch is rejected.
 */
export interface GroupCommit {
  /** `observe` learns where the write's time went once it has committed. */
  run<T>(write: () => T, observe?: (timing: WriteTiming) => void): Promise<T>;
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
  write: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  queuedAt: number;
  observe: ((timing: WriteTiming) => void) | undefined;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A write of a batch run without savepoints threw, and the transaction is still open: worth a run with them. */
class WriteFailed {
  constructor(readonly error: unknown) {}
}

export function groupCommit(sqlite: Sqlite.Database, maxBatch = 64): GroupCommit {
  const queue: Pending[] = [];
  /** Runs a write; an error or a write that ended the transaction itself (disk full, a stray ROLLBACK) fails the batch. */
  const runWrite = (write: () => unknown) => {
    const value = write();
    if (!sqlite.inTransaction) throw new Error('a write ended its transaction');
    return value;
  };
  /** When the batch's last write returned, just before the commit. */
  let writtenAt = 0;
  const written = (outcomes: Outcome[]) => {
    writtenAt = performance.now();
    return outcomes;
  };
  const runTogether = sqlite.transaction((batch: Pending[]) =>
    written(
      batch.map((pending): Outcome => {
        try {
          return { ok: true, value: runWrite(pending.write) };
        } catch (error) {
          throw sqlite.inTransaction ? new WriteFailed(error) : error;
        }
      }),
    ),
  );
  // A transaction function called inside another runs in a savepoint (better-sqlite3).
  const inSavepoint = sqlite.transaction(runWrite);
  const runEachInSavepoint = sqlite.transaction((batch: Pending[]) =>
    written(
      batch.map((pending): Outcome => {
        try {
          return { ok: true, value: inSavepoint(pending.write) };
        } catch (error) {
          if (!sqlite.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    ),
  );

  function run(batch: Pending[]): Outcome[] {
    try {
      return runTogether.immediate(batch);
    } catch (error) {
      if (!(error instanceof WriteFailed)) throw error;
      return batch.length === 1 ? [{ ok: false, error: error.error }] : runEachInSavepoint.immediate(batch);
    }
  }

  function commitQueued() {
    const batch = queue.splice(0, maxBatch);
    if (queue.length > 0) setImmediate(commitQueued);
    let outcomes: Outcome[];
    const startedAt = performance.now();
    writtenAt = startedAt;
    try {
      outcomes = run(batch);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    const committedAt = performance.now();
    for (const pending of batch) {
      pending.observe?.({ queue: startedAt - pending.queuedAt, transaction: writtenAt - startedAt, commit: committedAt - writtenAt, batch: batch.length });
    }
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) batch[i]!.resolve(outcome.value);
      else batch[i]!.reject(outcome.error);
    });
  }

  return {
    run<T>(write: () => T, observe?: (timing: WriteTiming) => void): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (queue.length === 0) setImmediate(commitQueued);
        queue.push({ write, resolve: resolve as (value: unknown) => void, reject, queuedAt: performance.now(), observe });
      });
    },
  };
}
