import type Sqlite from 'better-sqlite3';

/**
 * Group commit: the writes that arrive in one turn of the event loop run one after another in one
 * IMMEDIATE transaction, each in its own savepoint, and commit together. A commit (with the full-text
 * index's flush of its pending terms) costs about the same for one write as for twenty, so under
 * concurrent writes most of that cost is shared; a lone write waits one turn of the loop.
 *
 * Each write sees the ones before it, exactly as if they had run one by one. A batch holds at most
 * `maxBatch` writes, so no transaction holds the loop for long; the rest wait for the next turn. A write
 * that throws rolls back only its savepoint and rejects only its own promise. Every promise settles after
 * the commit, so a response never reports a write that is not stored; when the commit itself fails, every
 * write of the batch is rejected with its error.
 */
export interface GroupCommit {
  run<T>(write: () => T): Promise<T>;
}

interface Pending {
  write: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export function groupCommit(sqlite: Sqlite.Database, maxBatch = 64): GroupCommit {
  const queue: Pending[] = [];
  // A transaction function called inside another runs in a savepoint (better-sqlite3).
  const inSavepoint = sqlite.transaction((write: () => unknown) => write());
  const runBatch = sqlite.transaction((batch: Pending[]) =>
    batch.map((pending): Outcome => {
      try {
        return { ok: true, value: inSavepoint(pending.write) };
      } catch (error) {
        // An error that ended the transaction itself (disk full, I/O error) fails the whole batch.
        if (!sqlite.inTransaction) throw error;
        return { ok: false, error };
      }
    }),
  );

  function commitQueued() {
    const batch = queue.splice(0, maxBatch);
    if (queue.length > 0) setImmediate(commitQueued);
    let outcomes: Outcome[];
    try {
      outcomes = runBatch.immediate(batch);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? batch[i]!.resolve(outcome.value) : batch[i]!.reject(outcome.error)));
  }

  return {
    run<T>(write: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (queue.length === 0) setImmediate(commitQueued);
        queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      });
    },
  };
}
