import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema>;

/** The one handle to storage: the query builder, and the raw connection for pragmas and backups. */
export interface Database {
  db: Db;
  sqlite: Sqlite.Database;
  close(): void;
}

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/** `file:path` or `file::memory:`; the scheme is where a PostgreSQL engine will plug in. */
function sqlitePath(url: string): string {
  const path = url.replace(/^file:/, '');
  if (path === ':memory:') return path;
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

/** Opens the database, sets the pragmas khabar relies on and applies pending migrations. */
export function openDatabase(url: string): Database {
  const sqlite = new Sqlite(sqlitePath(url));
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // Bounds the WAL file after checkpoints, so a burst of writes does not leave it at its peak size.
    sqlite.pragma('journal_size_limit = 67108864');
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder });
    return { db, sqlite, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    throw new DatabaseError(`cannot open database ${url}: ${(error as Error).message}`);
  }
}
