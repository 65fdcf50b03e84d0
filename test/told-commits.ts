import type { CommitNotices } from '../src/core/db/commit-notices.js';

/** Commits told as PostgreSQL's change signal tells them, by the test: `tell` calls every listener. */
export function toldCommits() {
  const listeners = new Set<() => void>();
  const notices: CommitNotices = {
    heard: true,
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    notices,
    tell: () => {
      for (const listener of listeners) listener();
    },
    /** How many listen now. */
    listening: () => listeners.size,
  };
}
