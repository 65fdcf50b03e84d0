import type { PublicationAnnouncer } from './publications.js';

export interface AnnounceLoopOptions {
  /** Milliseconds since the epoch: the announcer's clock. */
  clock: () => number;
  /** The longest the timer sleeps: a publication another process scheduled (a command line write) is seen within it. */
  idleMs?: number;
  /** An announcement that failed (a busy database): the loop tries again after `idleMs`. */
  onError(error: unknown): void;
}

/**
 * Announces scheduled publications as they come due, in the background of a server: one timer per process,
 * armed for the earliest due time (at most `idleMs` ahead) and brought forward when a write of this process
 * schedules an earlier one. The first turn runs at once, before the server listens: what came due while it was
 * down is announced when it starts. Every process of WORKERS=N runs one; the announcer's transaction makes each
 * announcement happen once.
 */
export function runAnnounceLoop(announcer: PublicationAnnouncer, { clock, idleMs = 10_000, onError }: AnnounceLoopOptions) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;

  const arm = (at: number) => {
    clearTimeout(timer);
    armedFor = at;
    timer = setTimeout(turn, Math.max(0, at - clock())).unref();
  };

  function turn() {
    let next = Number.POSITIVE_INFINITY;
    try {
      announcer.announceDue();
      // After a full batch, the rest are due already: the timer fires at once.
      const due = announcer.nextDue();
      if (due !== null) next = Date.parse(due);
    } catch (error) {
      onError(error);
    }
    if (!stopped) arm(Math.min(next, clock() + idleMs));
  }

  announcer.onScheduled((due) => {
    const at = Date.parse(due);
    if (!stopped && at < armedFor) arm(at);
  });
  turn();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
