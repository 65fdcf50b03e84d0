import type { Repositories } from '../resources/index.js';
import type { Search } from '../search/search.js';
import type { Database } from './database.js';

/** The synchronous stores under a set of services: each resource's repository, and the others, with search. */
type Stores = Repositories & { search: Search };

const handles = new WeakMap<object, { database: Database; stores: Stores }>();

/** Notes the database a set of services (core/services.ts) was built on, and the stores over it. */
export function holdDatabase(services: object, database: Database, stores: Stores) {
  handles.set(services, { database, stores });
}

function handleOf(services: object) {
  const handle = handles.get(services);
  if (!handle) throw new Error('these services were not opened by openServices');
  return handle;
}

/**
 * The database under a set of services, for what works on the engine itself (tests that count statements or
 * write rows the API would refuse). The web layer may not import this module (.dependency-cruiser.cjs).
 */
export function databaseOf(services: object): Database {
  return handleOf(services).database;
}

/** The synchronous stores under a set of services, for tests that write or check state beside the API; not for the web layer either. */
export function storesOf(services: object): Stores {
  return handleOf(services).stores;
}
