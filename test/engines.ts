import { getTableName } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Test } from 'tap';
import { changeStamp } from '../src/core/db/change-stamp.js';
import { openDatabase } from '../src/core/db/database.js';
import { openPostgres, type Postgres } from '../src/core/db/postgres.js';
import { postgresStatements } from '../src/core/db/postgres-statements.js';
import * as postgresTables from '../src/core/db/postgres-tables.js';
import { postgresWrite } from '../src/core/db/postgres-write.js';
import { type StatementExecutor, sqliteStatements } from '../src/core/db/statements.js';
import { testEngine } from './helper.js';
import { clusterAdmin, failOnIdleError, startPostgres } from './postgres.js';

/*
 * Both engines under one test body: a migrated SQLite database in memory and a fresh, migrated PostgreSQL database
 * on a throwaway cluster (one per test file), each given the same rows through its own Drizzle tables, so that a
 * statement's assertions run once per engine without being written twice.
 */

export interface Engine {
  statements: StatementExecutor;
  /** The engine's change stamp, what remembered values are kept under: SQLite's; on PostgreSQL one that moves on every read, so nothing is kept (its change signal is wired by the engine step). */
  stamp: () => string;
  /** Runs a write's body in the engine's write transaction: group commit's on SQLite, `postgresWrite` on PostgreSQL. */
  write<T>(body: (tx: StatementExecutor) => Promise<T>): Promise<T>;
  /** Writes rows into a table as they are (ids and all), through the engine's own Drizzle table. */
  insert(table: SQLiteTable, rows: Record<string, unknown>[]): Promise<void>;
  /** PostgreSQL's pool, on the PostgreSQL engine. */
  postgres: Postgres | null;
}

const postgresByName = new Map<string, PgTable>(Object.values(postgresTables).flatMap((value) => (typeof value === 'function' ? [] : [[getTableConfig(value).name, value]])));

/** PostgreSQL's table of the same name as a SQLite one. */
export function postgresTableOf(table: SQLiteTable): PgTable {
  const found = postgresByName.get(getTableName(table));
  if (!found) throw new Error(`no PostgreSQL table ${getTableName(table)}`);
  return found;
}

/**
 * Runs `body` as a subtest per engine, each on an empty database of its own. The cluster starts on the first call
 * and serves the rest of the file; it is stopped at the end of the file's test.
 */
/**
 * These run both engines in every run: the PostgreSQL run of the suite (TEST_ENGINE=postgres) would only repeat them.
 * A test comparing what `onBoth` found on each engine carries it too, as it has nothing to compare there.
 */
export const bothInEveryRun = { skip: testEngine === 'postgres' ? 'runs on both engines in the SQLite run already (onBoth)' : false };

export function engines(root: Test) {
  let cluster: ReturnType<typeof clusterAdmin> | undefined;
  let reads = 0;

  async function sqliteEngine(t: Test): Promise<Engine> {
    const database = openDatabase('file::memory:');
    t.teardown(() => database.close());
    return {
      statements: sqliteStatements(database.sqlite),
      stamp: changeStamp(database.db),
      write: (body) => database.writes.run(body),
      insert: async (table, rows) => {
        database.db.insert(table).values(rows).run();
      },
      postgres: null,
    };
  }

  async function postgresEngine(t: Test): Promise<Engine & { postgres: Postgres }> {
    cluster ??= startPostgres(root).then((url) => clusterAdmin(root, url));
    const { url } = await (await cluster).fresh('engines');
    const postgres = await openPostgres(url, { max: 4, statementTimeoutMs: 10_000, lockTimeoutMs: 5_000, onIdleError: failOnIdleError(t) });
    t.teardown(() => postgres.close());
    return {
      statements: postgresStatements(postgres.pool),
      stamp: () => String(++reads),
      write: (body) => postgresWrite(postgres.pool, body),
      insert: async (table, rows) => {
        await postgres.db.insert(postgresTableOf(table)).values(rows);
      },
      postgres,
    };
  }

  return {
    /**
     * The same assertions on SQLite, then on PostgreSQL; `postgresTodo` names what PostgreSQL's run waits for
     * (tap then reports it as a todo and does not run it).
     */
    async onBoth(title: string, body: (t: Test, engine: Engine) => Promise<void>, { postgresTodo }: { postgresTodo?: string } = {}) {
      await root.test(title, bothInEveryRun, async (t) => {
        await t.test('sqlite', async (t) => body(t, await sqliteEngine(t)));
        await t.test('postgres', { todo: postgresTodo }, async (t) => body(t, await postgresEngine(t)));
      });
    },
    /** Assertions about what only PostgreSQL has (a write transaction, its pool). */
    async onPostgres(title: string, body: (t: Test, engine: Engine & { postgres: Postgres }) => Promise<void>) {
      await root.test(title, bothInEveryRun, async (t) => body(t, await postgresEngine(t)));
    },
  };
}
