import type Sqlite from 'better-sqlite3';
import { problemOf } from './constraints.js';
import { type StatementExecutor, sqliteStatements } from './statements.js';

const executors = new WeakMap<Sqlite.Database, StatementExecutor>();

/** The statement executor over a SQLite connection, one per connection, so that each statement is prepared there once. */
export function executorOn(connection: Sqlite.Database): StatementExecutor {
  let executor = executors.get(connection);
  if (!executor) {
    executor = sqliteStatements(connection);
    executors.set(connection, executor);
  }
  return executor;
}

/**
 * Runs a write's body in a transaction on SQLite's write connection, with the executor over it as `tx`: for what
 * writes where group commit does not run (the seed, the command line tools, loaders, tests without a server). A
 * broken constraint is thrown as group commit rejects it (core/db/constraints.ts). IMMEDIATE takes the write lock
 * at the start: a deferred transaction that reads first cannot wait for a writer in another process and fails with
 * SQLITE_BUSY instead. Inside a transaction already open (a loader's) the body joins it, whose undoing is the caller's.
 */
export async function writeOnSqlite<T>(connection: Sqlite.Database, body: (tx: StatementExecutor) => T | Promise<T>): Promise<T> {
  const tx = executorOn(connection);
  if (connection.inTransaction) return body(tx);
  connection.exec('begin immediate');
  try {
    const value = await body(tx);
    connection.exec('commit');
    return value;
  } catch (error) {
    if (connection.inTransaction) connection.exec('rollback');
    throw problemOf(error);
  }
}
