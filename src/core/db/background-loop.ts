import { type CommitNotices, noCommitNotices, pollInterval } from './commit-notices.js';

/** Work a server does in the background in short steps: relinking articles, purging the trash. */
export interface BackgroundWorker {
  /** Does the next bounded piece of work; resolves to null when there is nothing to do. */
  step(): Promise<unknown>;
  /** Gives back what it holds, for another worker to resume at once (on shutdown). */
  release(): Promise<void>;
}

export interface BackgroundLoopOptions {
  /** How often an idle worker looks for a job (another process may have recorded one) while commits are not told. */
  idleMs?: number;
  /** Commits told as they happen, when a commit may bring work: an idle worker then looks after one rather than every `idleMs`. */
  notices?: CommitNotices;
  /** A step that failed (a busy database, a full disk): the loop carries on after `idleMs`. */
  onError(error: unknown): void;
  /** A step that settled without throwing: a job that was failing has recovered. */
  onSuccess?(): void;
}

/**
 * When an idle job looks for work next (`look`): every `pollMs` while commits are not told; while they are, soon
 * after one, but no sooner than `pollMs` after its last look (so a stream of writes costs no more looks than polling
 * did, and none comes later than polling would have made it), and otherwise at the slower fallback. A commit told
 * while a look is under way may have come after its reads: the next look is then `pollMs` after it.
 */
export function idleWaits(notices: CommitNotices, pollMs: number, look: () => void) {
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;
  let lastLook = Number.NEGATIVE_INFINITY;
  let resting = false;
  let toldDuringLook = false;
  let stopped = false;

  /** Arms the timer for `at` (performance.now()'s time) unless it is armed for earlier already. */
  function arm(at: number) {
    if (stopped || at >= armedFor) return;
    clearTimeout(timer);
    armedFor = at;
    timer = setTimeout(fire, Math.max(0, at - performance.now())).unref();
  }

  function fire() {
    armedFor = Number.POSITIVE_INFINITY;
    resting = false;
    toldDuringLook = false;
    lastLook = performance.now();
    look();
  }

  const told = () => {
    if (resting) arm(lastLook + pollMs);
    else toldDuringLook = true;
  };
  const unlisten = notices.listen(told);

  return {
    /** Looks again on the next turn of the event loop: the job has more to do. */
    now: () => arm(performance.now()),
    /** The job found nothing to do: looks again when told of a commit, or after the wait, or in `dueInMs` (what it knows to come due). */
    rest(dueInMs = Number.POSITIVE_INFINITY) {
      const now = performance.now();
      resting = true;
      arm(Math.min(now + dueInMs, toldDuringLook ? lastLook + pollMs : now + pollInterval(notices, pollMs)));
      toldDuringLook = false;
    },
    /** Something in this process may have brought work (not a commit): as a commit told. */
    poke: told,
    stop() {
      stopped = true;
      clearTimeout(timer);
      unlisten();
    },
  };
}

/**
 * Runs a worker in the background of a server: one step per turn of the event loop while it has work,
 * so requests are served between batches, and a look for work when it has none (idleWaits: every `idleMs`, or
 * after a commit when commits are told). The next step starts only once the last has settled, so a worker's steps
 * never overlap. `stop` waits for the step under way, then gives its work back for whichever worker starts next.
 */
export function runBackgroundLoop(worker: BackgroundWorker, { idleMs = 250, notices = noCommitNotices, onError, onSuccess }: BackgroundLoopOptions) {
  let stopped = false;
  let underway: Promise<void> = Promise.resolve();

  async function turn() {
    let worked = false;
    let failed = false;
    try {
      worked = (await worker.step()) !== null;
      onSuccess?.();
    } catch (error) {
      failed = true;
      onError(error);
    }
    if (stopped) return;
    if (worked) waits.now();
    // A failed step is tried again after `idleMs`, commits told or not.
    else waits.rest(failed ? idleMs : undefined);
  }

  const waits = idleWaits(notices, idleMs, () => {
    underway = turn();
  });
  waits.now();
  return {
    /** Something in this process may have given the worker work: it looks soon, as after a commit told. */
    poke: waits.poke,
    async stop() {
      stopped = true;
      waits.stop();
      await underway;
      await worker.release();
    },
  };
}
