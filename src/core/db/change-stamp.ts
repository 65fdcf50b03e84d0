import { sql } from 'drizzle-orm';
import type { Db } from './database.js';

/**
 * A value that changes whenever the database may have changed: a write by this connection (total_changes)
 * or a commit by any other, another worker process's included (data_version). What is derived from the
 * data may be kept while it stays the same.
 */
export function changeStamp(db: Db): () => string {
  const statement = db.select({ stamp: sql<string>`total_changes() || '.' || data_version` }).from(sql`pragma_data_version`).prepare();
  return () => (statement.get() as { stamp: string }).stamp;
}
