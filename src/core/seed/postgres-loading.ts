import { openPostgres } from '../db/postgres.js';
import { postgresStatements } from '../db/postgres-statements.js';
import { postgresWrite } from '../db/postgres-write.js';
import { messageOf } from '../errors.js';
import { createRepositories } from '../resources/index.js';
import { postgresIndex } from '../search/postgres-search.js';
import type { Loading } from './synthetic.js';

/**
 * A command line tool's PostgreSQL database (`seed`, `search:reindex`, `seed:synthetic`): migrated, its reads on a
 * pool of two, each write `postgresWrite`'s transaction, PostgreSQL's index statements. No statement or lock
 * timeout: a rebuild or a load of a large database is one long transaction, and nobody waits on its answer.
 */
export async function openPostgresLoading(url: string): Promise<Loading & { close(): Promise<void> }> {
  const postgres = await openPostgres(url, {
    max: 2,
    statementTimeoutMs: 0,
    lockTimeoutMs: 0,
    onIdleError: (error) => process.stderr.write(`khabar: an idle PostgreSQL connection failed: ${messageOf(error)}\n`),
  });
  for (const warning of postgres.warnings) process.stderr.write(`khabar: ${warning}\n`);
  return {
    reads: postgresStatements(postgres.pool),
    write: (body) => postgresWrite(postgres.pool, body),
    index: postgresIndex,
    repositories: createRepositories(),
    close: () => postgres.close(),
  };
}
