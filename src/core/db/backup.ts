import { existsSync, linkSync, lstatSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import { DatabaseError, sqlitePath } from './database.js';
import { engineOf, inMemory } from './url.js';

export interface BackupResult {
  /** The database copied, as an absolute path. */
  source: string;
  /** The copy, as an absolute path. */
  file: string;
  pages: number;
}

/** The files SQLite keeps beside a database while it is open. */
const companions = ['-wal', '-shm', '-journal'];

/** The path with every symlink in it resolved, for a file that may not exist yet. */
function canonical(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  return existsSync(dirname(path)) ? join(realpathSync(dirname(path)), basename(path)) : path;
}

/** Refuses a destination that is the live database or one of its companions, by any spelling or link. */
function refuseLiveFiles(source: string, file: string) {
  const live = canonical(source);
  const target = canonical(file);
  const [a, b] = [statSync(source), statSync(file, { throwIfNoEntry: false })];
  const hardLink = b !== undefined && a.ino === b.ino && a.dev === b.dev;
  if (hardLink || [live, ...companions.map((suffix) => live + suffix)].includes(target)) {
    throw new DatabaseError(`${file} is the live database ${live} or one of its files: choose another destination`);
  }
}

const destinationExists = (file: string) => new DatabaseError(`${file} exists: pass --force to replace it`);

/** Where the copy may be written: an existing folder, and no file there unless `force`. */
function checkDestination(file: string, force: boolean) {
  const folder = dirname(file);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new DatabaseError(`the folder ${folder} does not exist`);
  const existing = lstatSync(file, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new DatabaseError(`${file} is a folder`);
  if (existing && !force) throw destinationExists(file);
}

/** Makes the copy one self-contained file (rollback journal, not WAL), checks its integrity and closes it. */
function finishCopy(partial: string) {
  const copy = new Sqlite(partial, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new DatabaseError(`the copy failed its integrity check: ${String(check)}`);
  } finally {
    copy.close();
  }
}

/** Puts the copy at `file` unless something is there by now (checked beforehand, but a backup takes a while). */
function linkWithoutReplacing(partial: string, file: string) {
  try {
    linkSync(partial, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw destinationExists(file);
    throw error;
  }
}

/** Puts the copy in place of `file` and its -wal, -shm and -journal, which SQLite would otherwise replay onto the copy. */
function replace(partial: string, file: string) {
  for (const suffix of companions) rmSync(file + suffix, { force: true });
  renameSync(partial, file);
}

/**
 * Copies the database at `url` to `destination` with SQLite's online backup API: a consistent snapshot even
 * while a server writes to it (the copy restarts when a write lands mid-way). The copy is written beside
 * the destination under a temporary name and moved into place only once complete and checked, so a failed
 * backup leaves nothing behind and never a half-written file at the destination.
 */
export async function backupDatabase(url: string, destination: string, options: { force: boolean }): Promise<BackupResult> {
  if (engineOf(url) === 'postgres') throw new DatabaseError("backup copies a SQLite file: back up PostgreSQL with its own tools (pg_dump, or the managed service's backups)");
  const path = sqlitePath(url);
  if (path === inMemory) throw new DatabaseError('nothing to back up: DATABASE_URL is an in-memory database');
  const source = resolve(path);
  if (!existsSync(source)) throw new DatabaseError(`nothing to back up: ${source} does not exist`);
  const file = resolve(destination);
  refuseLiveFiles(source, file);
  checkDestination(file, options.force);

  const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial`);
  const database = new Sqlite(source, { fileMustExist: true });
  try {
    database.pragma('busy_timeout = 5000');
    const { totalPages } = await database.backup(partial);
    finishCopy(partial);
    if (options.force) replace(partial, file);
    else linkWithoutReplacing(partial, file);
    return { source, file, pages: totalPages };
  } finally {
    database.close();
    for (const leftover of [partial, ...companions.map((suffix) => partial + suffix)]) rmSync(leftover, { force: true });
  }
}
