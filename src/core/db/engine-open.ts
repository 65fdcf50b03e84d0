import type { EngineOptions, PostgresEngine, SqliteEngine } from './engine.js';
import { openSqliteEngine } from './engine-sqlite.js';
import { engineOf } from './url.js';

/**
 * Opens the engine `url`'s scheme names (`file:` SQLite, `postgres:` or `postgresql:` PostgreSQL), migrated and
 * ready. PostgreSQL's modules, and the driver, are loaded only then: a server on SQLite never loads them.
 */
export async function openEngine(url: string, options: EngineOptions): Promise<SqliteEngine | PostgresEngine> {
  if (engineOf(url) === 'sqlite') return openSqliteEngine(url, options.writeBatchMs);
  const { openPostgresEngine } = await import('./engine-postgres.js');
  return openPostgresEngine(url, options);
}
