import type { Database } from './db/database.js';
import type { Repositories } from './resources/index.js';
import { refreshStaleSearchIndex } from './search/analyser-version.js';
import { seedIfEmpty } from './seed/seed.js';

/**
 * Readies an opened (so migrated) database to be served: a search index an older analyser wrote is rebuilt,
 * and SEED=auto seeds a database with no records. Returns what was reindexed, null when the index was current.
 */
export async function prepareForServing(database: Database, repositories: Repositories, seed: 'auto' | 'never') {
  const reindexed = await refreshStaleSearchIndex(database);
  await seedIfEmpty(database.db, repositories, seed);
  return reindexed;
}
