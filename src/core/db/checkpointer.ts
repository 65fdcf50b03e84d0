import { createRequire } from 'node:module';
import { type MessagePort, Worker } from 'node:worker_threads';
import type Sqlite from 'better-sqlite3';

/**
 * WAL checkpoints in a thread of their own. SQLite's automatic checkpoint runs inside the commit that crosses
 * `wal_autocheckpoint` pages, on the thread that commits: here the event loop, which every reader waits on.
 * This thread's own connection copies the WAL into the database every `intervalMs` with PASSIVE checkpoints,
 * which never wait for or block a reader or a writer; once everything is copied, the next write starts the WAL
 * again from its beginning. The serving connection keeps an automatic checkpoint only as a bound, far above
 * SQLite's 1,000 pages (core/db/database.ts): a writer that never pauses leaves the thread no moment when all is
 * copied, and the commit that crosses the bound then copies what the thread has not yet.
 */
export interface Checkpointer {
  /** Closes the thread's connection and returns once it is closed (or after `closeWaitMs`), so the caller's close is the last one. */
  stop(): void;
}

/** The thread's state in shared memory, 0 while it runs and 1 once its connection is closed: the main thread waits on it. */
const running = 0;
/** A stop waits this long at most for the thread to finish a checkpoint and close. */
const closeWaitMs = 2_000;

interface ThreadData {
  file: string;
  intervalMs: number;
  /** The serving connection's `wal_autocheckpoint`, in pages. */
  boundPages: number;
  state: Int32Array;
}

/**
 * The checkpoint thread's body. It is sent to the thread as source text, so that no separate entry file needs
 * to be found next to the build (or a bundle, or the test runner's loader): it may use only its parameters, and
 * its functions stay anonymous (a loader that keeps names would wrap a named one in a helper the thread lacks).
 * However the thread ends (a stop, an error), its connection is closed and it marks itself closed.
 */
function checkpointThread(parentPort: MessagePort, Driver: typeof Sqlite, { file, intervalMs, boundPages, state }: ThreadData) {
  let sqlite: Sqlite.Database | undefined;
  process.once('exit', () => {
    sqlite?.close();
    Atomics.store(state, 0, 1); // closed
    Atomics.notify(state, 0);
  });
  sqlite = new Driver(file, { fileMustExist: true });
  const passive = sqlite.prepare<[], { log: number }>('pragma wal_checkpoint(PASSIVE)');
  // Past the bound, the serving connection's commits checkpoint; one that finds this thread's checkpoint under
  // way gives up, so the thread stands aside for one interval and lets a commit copy the rest and restart the WAL.
  let pastBound = false;
  setInterval(() => {
    pastBound = !pastBound && passive.get()!.log >= boundPages;
  }, intervalMs);
  parentPort.once('message', () => {
    process.exit();
  });
}

/**
 * Starts the checkpoint thread for the database at `file`, whose serving connection checkpoints past
 * `boundPages`: a PASSIVE checkpoint every `intervalMs`. `fallBack` runs when the thread fails: the caller
 * turns SQLite's automatic checkpoints back on.
 */
export function startCheckpointer(file: string, boundPages: number, fallBack: () => void, intervalMs = 50): Checkpointer {
  const state = new Int32Array(new SharedArrayBuffer(4));
  const data: ThreadData = { file, intervalMs, boundPages, state };
  // The driver this module loads, wherever the thread's working folder is.
  const driver = JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'));
  const worker = new Worker(`const { parentPort, workerData } = require('node:worker_threads'); (${checkpointThread})(parentPort, require(${driver}), workerData)`, {
    eval: true,
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, stackSizeMb: 1 },
  });
  worker.unref();
  let stopping = false;
  worker.on('error', () => {
    if (!stopping) fallBack();
  });
  return {
    stop() {
      stopping = true;
      worker.postMessage('stop');
      Atomics.wait(state, 0, running, closeWaitMs);
    },
  };
}
