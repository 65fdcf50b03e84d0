import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { messageOf } from '../errors.js';
import { projectFile } from '../project-root.js';
import { type Checkpointer, startCheckpointer } from './checkpointer.js';
import { type GroupCommit, groupCommit } from './group-commit.js';
import { refuseUnknownMigrations } from './migrations.js';
import { inMemory, parseDatabaseUrl } from './url.js';

export type Db = BetterSQLite3Database & { $client: Sqlite.Database };

/**
 * The one handle to storage, two connections to one file. The write connection (`db`, `sqlite`) runs group commit,
 * the background jobs' transactions, migrations and pragmas; the read connection (`reader`) runs every read a
 * request makes, so a write that awaits inside its transaction is never seen before its commit (WAL readers see
 * commits only). The reader refuses writes (`query_only`).
 */
export interface Database {
  db: Db;
  sqlite: Sqlite.Database;
  reader: Db;
  writes: GroupCommit;
  close(): void;
}

export const migrationsFolder = projectFile('migrations');

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/** The SQLite file (or `:memory:`) a `DATABASE_URL` names; the scheme is where a PostgreSQL engine will plug in. */
export function sqlitePath(url: string): string {
  const location = parseDatabaseUrl(url);
  if ('problem' in location) throw new DatabaseError(`invalid DATABASE_URL: ${location.problem}`);
  return location.path;
}

/** Its folder is created, so a fresh deployment needs no set-up step. */
function creatingFolder(url: string, path: string): string {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new DatabaseError(`cannot open database ${url}: ${messageOf(error)}`);
  }
  return path;
}

/** The migrations the database records, when it records any (a new file has no table yet). */
function appliedMigrations(sqlite: Sqlite.Database): number[] {
  const tracked = sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'").get();
  if (!tracked) return [];
  return (sqlite.prepare('select created_at from __drizzle_migrations order by created_at desc').pluck().all() as number[]).map(Number);
}

/**
 * The file a `DATABASE_URL` opens, and what closing removes. Two connections cannot share a private in-memory
 * database (shared cache has no WAL and no snapshot isolation), so `file::memory:` is a new file in a temporary
 * folder, removed with the folder when the database closes.
 */
function fileOf(url: string): { path: string; remove(): void } {
  const path = sqlitePath(url);
  if (path !== inMemory) return { path: creatingFolder(url, path), remove() {} };
  const folder = mkdtempSync(join(tmpdir(), 'khabar-memory-'));
  return { path: join(folder, 'khabar.db'), remove: () => rmSync(folder, { recursive: true, force: true }) };
}

function connect(url: string, path: string, options?: Sqlite.Options): Sqlite.Database {
  try {
    return new Sqlite(path, options);
  } catch (error) {
    throw new DatabaseError(`cannot open database ${url}: ${messageOf(error)}`);
  }
}

/** A connection for reads only, opened once the writer has migrated the file. */
function connectReader(url: string, path: string): Sqlite.Database {
  const sqlite = connect(url, path, { fileMustExist: true });
  sqlite.pragma('query_only = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/**
 * The page cache of each of a serving database's two connections, in KiB. better-sqlite3 builds SQLite with 16 MB a
 * connection; under the benchmark's load both filled, 32 MB of native memory for no throughput measured, the
 * file's pages staying in the kernel's cache anyway (docs/performance.md#memory). The command line programs'
 * bulk writes keep the 16 MB.
 */
const servingPageCacheKib = 4096;

/** SQLite's own threshold of the automatic checkpoint, for a connection whose checkpoint thread has failed. */
const automaticCheckpointPages = 1000;
/**
 * The WAL's bound with a checkpoint thread, a quarter of `journal_size_limit`: a writer that never pauses
 * overshoots it while the thread's checkpoint holds off the commit's (by up to 29 MB in test/db/checkpointer.test.ts).
 */
export const walBoundBytes = 16 * 2 ** 20;
/**
 * The thread starts this long after the connection opens, clear of a server's start: its boot took 80 ms of CPU
 * on the core the server starts on (docs/performance.md#checkpoints-off-the-event-loop). Until then the bound holds.
 */
export const checkpointThreadDelayMs = 5_000;

/**
 * Hands a file's WAL checkpoints to a thread of their own (core/db/checkpointer.ts), so that a commit on this
 * connection copies the WAL into the database only when the WAL passes its bound; if that thread fails, this
 * connection checkpoints as SQLite does by default.
 */
function checkpointInThread(sqlite: Sqlite.Database): Checkpointer {
  const boundPages = walBoundBytes / Number(sqlite.pragma('page_size', { simple: true }));
  sqlite.pragma(`wal_autocheckpoint = ${boundPages}`);
  let checkpointer: Checkpointer | undefined;
  const starting = setTimeout(() => {
    checkpointer = startCheckpointer(sqlite.name, boundPages, () => {
      if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${automaticCheckpointPages}`);
    });
  }, checkpointThreadDelayMs).unref();
  return {
    stop() {
      clearTimeout(starting);
      checkpointer?.stop();
    },
  };
}

/**
 * Opens the database, sets the pragmas khabar relies on and applies pending migrations. A connection that serves
 * requests checkpoints in a thread (`checkpointInThread`) and bounds its page caches; the command line programs,
 * whose commits no reader waits on, keep SQLite's automatic checkpoints and the driver's page cache.
 */
export function openDatabase(url: string, { serving = false, writeBatchMs }: { serving?: boolean; writeBatchMs?: number | undefined } = {}): Database {
  const file = fileOf(url);
  let sqlite: Sqlite.Database;
  try {
    sqlite = connect(url, file.path);
  } catch (error) {
    file.remove();
    throw error;
  }
  let reader: Sqlite.Database | undefined;
  try {
    // Takes effect only in a new, empty file (before WAL is on): an article row of about 2 KB left a third of a
    // 4 KB page empty; at 8 KB, reads cost no more (docs/performance.md#storage). Existing files keep theirs.
    sqlite.pragma('page_size = 8192');
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // Bounds the WAL file after checkpoints, so a burst of writes does not leave it at its peak size.
    sqlite.pragma('journal_size_limit = 67108864');
    const db = drizzle(sqlite);
    refuseUnknownMigrations(migrationsFolder, appliedMigrations(sqlite));
    migrate(db, { migrationsFolder });
    const readConnection = connectReader(url, file.path);
    reader = readConnection;
    if (serving) for (const connection of [sqlite, readConnection]) connection.pragma(`cache_size = -${servingPageCacheKib}`);
    const checkpointer = serving ? checkpointInThread(sqlite) : null;
    const close = () => {
      // The thread's and the reader's connections close first, so that the writer's is the last: it checkpoints and removes the WAL.
      checkpointer?.stop();
      readConnection.close();
      sqlite.close();
      file.remove();
    };
    return { db, sqlite, reader: drizzle(readConnection), writes: groupCommit(sqlite, { batchMs: writeBatchMs }), close };
  } catch (error) {
    reader?.close();
    sqlite.close();
    file.remove();
    throw new DatabaseError(`cannot open database ${url}: ${messageOf(error)}`);
  }
}
