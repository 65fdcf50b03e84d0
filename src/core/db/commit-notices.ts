/*
 * Commits told as they happen (docs/postgresql.md, several nodes): what wakes the jobs and the change stream's
 * watcher that would otherwise poll. PostgreSQL's change signal tells every node's; SQLite's engine tells none, and
 * its waiters poll the file as they always have.
 */

export interface CommitNotices {
  /** Whether every commit is told now: false while PostgreSQL's listening connection is down, and always on SQLite. */
  readonly heard: boolean;
  /**
   * Calls `listener` after commits (several may come as one call), and when listening stops or starts again, since
   * commits may then have gone untold. The function returned stops it.
   */
  listen(listener: () => void): () => void;
}

/** SQLite's: no commit is told, so every waiter polls at its own interval. */
export const noCommitNotices: CommitNotices = { heard: false, listen: () => () => {} };

/**
 * How often a waiter still looks while commits are told: a notice cannot be lost while the connection listens (a
 * lost connection is told), so this only bounds what a half-open connection, not yet found dead, would hide.
 */
const heardPollMs = 10_000;

/** The wait between a waiter's looks: its own interval, or, while commits are told, the longer of it and `heardPollMs`. */
export const pollInterval = (notices: CommitNotices, pollMs: number) => (notices.heard ? Math.max(pollMs, heardPollMs) : pollMs);
