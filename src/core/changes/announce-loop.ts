export interface AnnounceLoopOptions {
  /** Milliseconds since the epoch: the announcer's clock. */
  clock: () => number;
  /** The longest the timer sleeps: a publication another process scheduled (a command line write) is seen within it. */
  idleMs?: number;
  /** An announcement that failed (a busy database): the loop tries again after `idleMs`. */
  onError(error: unknown): void;
  /** A turn that announced what was due and read the next due time: an announcer that was failing has recovered. */
  onSuccess?(): void;
}

/** What the loop asks of the publications (core/changes/publications.ts), through the async seam. */
export interface Announcer {
  /** Announces what is due, a batch per transaction. */
  announceDue(): Promise<unknown>;
  /** The earliest due time not yet announced, or null. */
  nextDue(): Promise<string | null>;
  /** Called by a write of this process that schedules a publication. */
  onScheduled(listener: (due: string) => void): void;
}

/**
 * Announces scheduled publications as they come due, in the background of a server: one timer per process,
 * armed for the earliest due time (at most `idleMs` ahead) and brought forward when a write of this process
 * schedules an earlier one. The first turn runs at once, before the server listens (`first` resolves after it):
 * what came due while it was down is announced when it starts. Every process of WORKERS=N runs one; the
 * announcer's transaction makes each announcement happen once. Turns never overlap; `stop` waits for the one
 * under way.
 */
export function runAnnounceLoop(announcer: Announcer, { clock, idleMs = 10_000, onError, onSuccess }: AnnounceLoopOptions) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;
  // A time scheduled while a turn runs: the turn may have read the next due time before that write committed.
  let scheduledDuringTurn: number | null = null;
  let underway: Promise<void> = Promise.resolve();

  const arm = (at: number) => {
    clearTimeout(timer);
    armedFor = at;
    timer = setTimeout(next, Math.max(0, at - clock())).unref();
  };

  async function turn() {
    scheduledDuringTurn = Number.POSITIVE_INFINITY;
    let due = Number.POSITIVE_INFINITY;
    try {
      await announcer.announceDue();
      // After a full batch, the rest are due already: the timer fires at once.
      const nextDue = await announcer.nextDue();
      if (nextDue !== null) due = Date.parse(nextDue);
      onSuccess?.();
    } catch (error) {
      onError(error);
    }
    const scheduled = scheduledDuringTurn;
    scheduledDuringTurn = null;
    if (!stopped) arm(Math.min(due, scheduled, clock() + idleMs));
  }

  function next() {
    underway = turn();
  }

  announcer.onScheduled((due) => {
    const at = Date.parse(due);
    if (stopped) return;
    if (scheduledDuringTurn !== null) scheduledDuringTurn = Math.min(scheduledDuringTurn, at);
    else if (at < armedFor) arm(at);
  });
  next();
  return {
    first: underway,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await underway;
    },
  };
}
