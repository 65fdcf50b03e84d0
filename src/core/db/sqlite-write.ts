import { AsyncLocalStorage } from 'node:async_hooks';
import type Sqlite from 'better-sqlite3';
import { problemOf } from './constraints.js';
import { type StatementExecutor, sqliteStatements } from './statements.js';

const executors = new WeakMap<Sqlite.Database, StatementExecutor>();

/** The statement executor `writeOnSqlite` gives, one per connection, so that each statement is prepared there once (group commit keeps its own, which pauses). */
export function executorOn(connection: Sqlite.Database): StatementExecutor {
  let executor = executors.get(connection);
  if (!executor) {
    executor = sqliteStatements(connection);
    executors.set(connection, executor);
  }
  return executor;
}

/** The connection whose write's body is running in this async context: a write it starts joins its transaction. */
const writing = new AsyncLocalStorage<Sqlite.Database>();
/** The connections whose open transaction a `writeOnSqlite` began, and each one's last write, which the next awaits. */
const owned = new WeakSet<Sqlite.Database>();
const lastWrite = new WeakMap<Sqlite.Database, Promise<unknown>>();

/**
 * Runs a write's body in a transaction on SQLite's write connection, with the executor over it as `tx`: for what
 * writes where group commit does not run (the seed, the command line tools, loaders, tests without a server). A
 * broken constraint is thrown as group commit rejects it (core/db/constraints.ts). IMMEDIATE takes the write lock
 * at the start: a deferred transaction that reads first cannot wait for a writer in another process and fails with
 * SQLITE_BUSY instead. A write started inside a body, or inside a transaction its caller opened (a loader's), joins
 * that transaction, whose undoing is the caller's; writes started side by side run one after another, so that one's
 * rollback never takes another's rows.
 */
export function writeOnSqlite<T>(connection: Sqlite.Database, body: (tx: StatementExecutor) => T | Promise<T>): Promise<T> {
  const tx = executorOn(connection);
  if (writing.getStore() === connection || (connection.inTransaction && !owned.has(connection))) return (async () => body(tx))();
  const run = () => writing.run(connection, () => inTransaction(connection, tx, body));
  // After the last write, whether it committed or not.
  const write = (lastWrite.get(connection) ?? Promise.resolve()).then(run, run);
  lastWrite.set(connection, write);
  return write;
}

/** A tool's reads and writes on SQLite's write connection, where group commit does not run (the seed, the command line tools, loaders). */
export function connectionExecutors(connection: Sqlite.Database) {
  return { reads: executorOn(connection), write: <T>(body: (tx: StatementExecutor) => Promise<T>) => writeOnSqlite(connection, body) };
}

async function inTransaction<T>(connection: Sqlite.Database, tx: StatementExecutor, body: (tx: StatementExecutor) => T | Promise<T>): Promise<T> {
  connection.exec('begin immediate');
  owned.add(connection);
  try {
    const value = await body(tx);
    connection.exec('commit');
    return value;
  } catch (error) {
    if (connection.inTransaction) connection.exec('rollback');
    throw problemOf(error);
  } finally {
    owned.delete(connection);
  }
}
