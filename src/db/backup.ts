import { existsSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { DatabaseError } from './database.js';

export interface BackupResult {
  file: string;
  pages: number;
}

/**
 * Copies the database at `url` to `file` with SQLite's online backup API: a consistent snapshot even while a
 * server writes to it (the copy restarts when a write lands mid-way), then checks the copy's integrity.
 */
export async function backupDatabase(url: string, file: string): Promise<BackupResult> {
  const path = url.replace(/^file:/, '');
  if (path === ':memory:') throw new DatabaseError('nothing to back up: DATABASE_URL is an in-memory database');
  if (!existsSync(path)) throw new DatabaseError(`nothing to back up: ${path} does not exist`);
  const source = new Sqlite(path, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    const { totalPages } = await source.backup(file);
    const copy = new Sqlite(file, { readonly: true });
    const check = copy.pragma('integrity_check', { simple: true });
    copy.close();
    if (check !== 'ok') throw new DatabaseError(`the backup ${file} failed its integrity check: ${String(check)}`);
    return { file, pages: totalPages };
  } finally {
    source.close();
  }
}
