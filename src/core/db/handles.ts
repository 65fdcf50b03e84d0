import type { Repositories } from '../resources/index.js';
import type { IndexStatements } from '../search/index-statements.js';
import type { Search } from '../search/search.js';
import type { ChangeStamp } from './change-stamp.js';
import type { Database } from './database.js';
import type { EngineWrites } from './engine.js';
import type { StatementExecutor } from './statements.js';
import type { EngineName } from './url.js';

/** The stores under a set of services: each resource's repository, and the others, with search. */
type Stores = Repositories & { search: Search };

/** What a set of services runs on, whichever the engine: its reads, its writes, its change stamp and the stores over them. */
export interface HeldEngine {
  name: EngineName;
  reads: StatementExecutor;
  writes: EngineWrites;
  stamp: ChangeStamp;
  /** Search's index statements in the engine's form. */
  index: IndexStatements;
  stores: Stores;
  /** SQLite's file and connections; none on PostgreSQL. */
  database: Database | null;
}

const handles = new WeakMap<object, HeldEngine>();

/** Notes the engine a set of services (core/services.ts) was built on, and the stores over it. */
export function holdEngine(services: object, engine: HeldEngine) {
  handles.set(services, engine);
}

/**
 * The engine under a set of services, for tests that read or write beside the API on either engine (a row's
 * count, a write the API would refuse). The web layer may not import this module (.dependency-cruiser.cjs).
 */
export function engineUnder(services: object): HeldEngine {
  const handle = handles.get(services);
  if (!handle) throw new Error('these services were not opened by openServices');
  return handle;
}

/** The SQLite database under a set of services, for what works on that engine itself (its file, pragmas, FTS5, statements counted). */
export function databaseOf(services: object): Database {
  const { database } = engineUnder(services);
  if (!database) throw new Error('these services run on PostgreSQL: a test reaching SQLite itself is marked sqliteOnly (test/helper.ts)');
  return database;
}

/** The stores under a set of services, for tests that write or check state beside the API; not for the web layer either. */
export function storesOf(services: object): Stores {
  return engineUnder(services).stores;
}
