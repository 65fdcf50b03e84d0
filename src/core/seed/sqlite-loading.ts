import type { Database } from '../db/database.js';
import { connectionExecutors } from '../db/sqlite-write.js';
import { createRepositories } from '../resources/index.js';
import { fts5Index } from '../search/fts5-index.js';
import type { Loading } from './synthetic.js';

/** The synthetic loader's engine on a SQLite file: the write connection's reads and writes (outside group commit), FTS5's index. */
export function sqliteLoading({ sqlite }: Pick<Database, 'sqlite'>): Loading {
  return { ...connectionExecutors(sqlite), index: fts5Index, repositories: createRepositories() };
}
