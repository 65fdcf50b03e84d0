import type { Database } from './database.js';

const handles = new WeakMap<object, Database>();

/** Notes the database a set of services (core/services.ts) was built on. */
export function holdDatabase(services: object, database: Database) {
  handles.set(services, database);
}

/**
 * The database under a set of services, for what works on the engine itself (tests that count statements or
 * write rows the API would refuse). The web layer may not import this module (.dependency-cruiser.cjs).
 */
export function databaseOf(services: object): Database {
  const database = handles.get(services);
  if (!database) throw new Error('these services were not opened by openServices');
  return database;
}
