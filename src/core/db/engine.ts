import type { IndexStatements } from '../search/index-statements.js';
import type { BackgroundWorker } from './background-loop.js';
import type { ChangeStamp } from './change-stamp.js';
import type { CommitNotices } from './commit-notices.js';
import type { Database } from './database.js';
import type { GroupCommit } from './group-commit.js';
import type { ReadPositions } from './read-positions.js';
import type { StatementExecutor } from './statements.js';
import type { EngineName } from './url.js';

/*
 * What the services (core/services.ts) need of a database, whichever engine holds it (docs/postgresql.md, step 3):
 * one opener per engine (engine-sqlite.ts, engine-postgres.ts), chosen by DATABASE_URL's scheme (engine-open.ts).
 */

/** How a process's writes run: each in a transaction of its own, on `tx`. */
export interface EngineWrites extends GroupCommit {
  /**
   * A background job's claim, settlement or release of rows other processes may hold (the dispatcher's deliveries,
   * the relink jobs), and the Idempotency-Key store's writes: a write that appends no change. On PostgreSQL it runs at `read committed` without the feed's
   * lock, so that it passes over rows another node holds (`skip locked`) rather than being refused at the other's
   * commit and run again; on SQLite, a step of group commit like any write. On PostgreSQL it tells no other process:
   * what it changes no cached read serves (docs/postgresql.md), so other nodes' caches are kept.
   */
  claim<T>(body: (tx: StatementExecutor) => Promise<T>): Promise<T>;
  /** A claim given back (at shutdown): as `claim`, but other processes are told, so that their jobs look at once. */
  giveBack<T>(body: (tx: StatementExecutor) => Promise<T>): Promise<T>;
  /**
   * A write that waits for the write lock as long as another holds it: start-up's preparation, which another node's
   * rebuild of the search index may hold for minutes (it then finds the index current). On SQLite, group commit's
   * write: the cluster's primary prepares before its workers start.
   */
  runWaitingForLock<T>(body: (tx: StatementExecutor) => Promise<T>): Promise<T>;
}

/** Where an engine tells of trouble it survives: an idle pooled connection's failure, the change signal lost and back. */
export interface EngineLog {
  warn(message: string, error?: unknown): void;
  info(message: string): void;
}

export interface EngineOptions {
  /** DATABASE_POOL_MAX: PostgreSQL's connections per process; SQLite opens its two whatever it says. */
  poolMax: number;
  /** DATABASE_READ_URL: a streaming replica of PostgreSQL's primary that serves reads; none unless given. */
  readUrl?: string | null;
  /** WRITE_BATCH_MS: how long a batch of SQLite's group commit starts writes for; PostgreSQL has no batches. */
  writeBatchMs?: number;
  log: EngineLog;
}

interface Engine {
  readonly name: EngineName;
  /** Every read a request or a background job makes: it sees committed rows only. */
  reads: StatementExecutor;
  writes: EngineWrites;
  /** Moves whenever the data may have changed, in this process or another: what per-process caches are kept under. */
  stamp: ChangeStamp;
  /**
   * Moves the stamp past every write committed before the call that the request's reads will see: call it before a
   * request consults a cache. PostgreSQL reads its committed change count (its notifications may not have come
   * yet); SQLite's stamp is already exact, and this does nothing.
   */
  catchUp(): Promise<void>;
  /** Commits told as they happen, this process's and others' (none on SQLite): what wakes idle jobs and the change stream. */
  notices: CommitNotices;
  /** Search's index statements in the engine's form (FTS5's, or PostgreSQL's tsquery and trigram statements). */
  index: IndexStatements;
  /** What the engine's own indexes need done between writes, as a server's background job: PostgreSQL's GIN pending lists merged; none on SQLite. */
  upkeep: BackgroundWorker | null;
  /** What start-up should log about the database as found, a line each (none when all is well). */
  warnings: readonly string[];
  /** Read-your-writes by the positions of PostgreSQL's log (read-positions.ts); null on SQLite, where every read sees every write. */
  positions: ReadPositions | null;
  /** Resolves once the database answers a query. */
  ping(): Promise<void>;
  /** Lets what is under way finish, then closes every connection. */
  close(): Promise<void>;
}

/** SQLite's engine also gives its file's two connections, for tests that work on the file (core/db/handles.ts). */
export interface SqliteEngine extends Engine {
  readonly name: 'sqlite';
  database: Database;
}

export interface PostgresEngine extends Engine {
  readonly name: 'postgres';
}
