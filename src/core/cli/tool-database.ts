import { openDatabase } from '../db/database.js';
import { engineOf } from '../db/url.js';
import { sqliteLoading } from '../seed/sqlite-loading.js';
import type { Loading } from '../seed/synthetic.js';

/**
 * The database `url` names, opened and migrated for a command line tool, on either engine: its reads, its writes
 * (outside group commit: nothing else writes through this process), the engine's index statements and the
 * repositories. PostgreSQL's modules, and the driver, are loaded only for a `postgres:` URL.
 */
export async function openToolDatabase(url: string): Promise<Loading & { close(): Promise<void> }> {
  if (engineOf(url) === 'postgres') return (await import('../seed/postgres-loading.js')).openPostgresLoading(url);
  const database = openDatabase(url);
  return {
    ...sqliteLoading(database),
    async close() {
      // The WAL folded into the file, so the tool leaves one file behind.
      database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      database.close();
    },
  };
}
