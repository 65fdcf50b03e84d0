import { changeStamp } from '../../src/core/db/change-stamp.js';
import type { Database } from '../../src/core/db/database.js';
import { sqliteStatements } from '../../src/core/db/statements.js';
import { fts5Index } from '../../src/core/search/fts5-index.js';
import { createSearch } from '../../src/core/search/search.js';

/** Search on a database's read connection, as the services build it, with the tests' own limits. */
export const sqliteSearch = (database: Database, options?: Parameters<typeof createSearch>[3]) =>
  createSearch(sqliteStatements(database.reader.$client), fts5Index, changeStamp(database.reader), options);
