import type { EngineOptions, PostgresEngine, SqliteEngine } from './engine.js';
import { openPostgresEngine } from './engine-postgres.js';
import { openSqliteEngine } from './engine-sqlite.js';
import { engineOf } from './url.js';

/** Opens the engine `url`'s scheme names (`file:` SQLite, `postgres:` or `postgresql:` PostgreSQL), migrated and ready. */
export async function openEngine(url: string, options: EngineOptions): Promise<SqliteEngine | PostgresEngine> {
  return engineOf(url) === 'postgres' ? openPostgresEngine(url, options) : openSqliteEngine(url);
}
