/** Work a server does in the background in short steps: relinking articles, purging the trash. */
export interface BackgroundWorker {
  /** Does the next bounded piece of work; resolves to null when there is nothing to do. */
  step(): Promise<unknown>;
  /** Gives back what it holds, for another worker to resume at once (on shutdown). */
  release(): Promise<void>;
}

export interface BackgroundLoopOptions {
  /** How often an idle worker looks for a job (another process may have recorded one). */
  idleMs?: number;
  /** A step that failed (a busy database, a full disk): the loop carries on after `idleMs`. */
  onError(error: unknown): void;
}

/**
 * Runs a worker in the background of a server: one step per turn of the event loop while it has work,
 * so requests are served between batches, and a look for work every `idleMs` when it has none. The next
 * step starts only once the last has settled, so a worker's steps never overlap. `stop` waits for the step
 * under way, then gives its work back for whichever worker starts next.
 */
export function runBackgroundLoop(worker: BackgroundWorker, { idleMs = 250, onError }: BackgroundLoopOptions) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let underway: Promise<void> = Promise.resolve();

  async function turn() {
    let worked = false;
    try {
      worked = (await worker.step()) !== null;
    } catch (error) {
      onError(error);
    }
    if (!stopped) timer = setTimeout(next, worked ? 0 : idleMs).unref();
  }

  function next() {
    underway = turn();
  }

  timer = setTimeout(next, 0).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await underway;
      await worker.release();
    },
  };
}
