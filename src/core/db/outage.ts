/** Where a connection that should stay up says it went down and came back: each once per outage, not per attempt. */
export interface OutageLog {
  lost(error: unknown): void;
  restored(): void;
}

/** Tracks whether a connection is down, passing only the first failure of an outage and its end to the log. */
export function outageTracker(log: OutageLog) {
  let down = false;
  return {
    get down() {
      return down;
    },
    lost(error: unknown) {
      if (down) return;
      down = true;
      log.lost(error);
    },
    restored() {
      if (!down) return;
      down = false;
      log.restored();
    },
  };
}
