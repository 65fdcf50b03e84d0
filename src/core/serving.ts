import type { JobExecutors } from './facts/relink-jobs.js';
import type { Repositories } from './resources/index.js';
import { refreshStaleSearchIndex } from './search/analyser-version.js';
import type { IndexStatements } from './search/index-statements.js';
import { seedIfEmpty } from './seed/seed.js';

/** What start-up's preparation runs on, on either engine: its reads, its write transaction and its search index's statements. */
export interface Preparing extends JobExecutors {
  index: IndexStatements;
}

/**
 * Readies an opened (so migrated) database to be served: a search index an older analyser wrote is rebuilt,
 * and SEED=auto seeds a database with no records. Returns what was reindexed, null when the index was current.
 */
export async function prepareForServing(engine: Preparing, repositories: Repositories, seed: 'auto' | 'never') {
  const reindexed = await refreshStaleSearchIndex(engine, engine.index);
  await seedIfEmpty(engine, repositories, seed);
  return reindexed;
}
