import { getTableColumns, type SQL, type SQLChunk, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { LRUCache } from 'lru-cache';
import { type Bindings, firstNamed, type StatementExecutor, type StatementUse, unqualified } from './statements.js';

/** A value as its column stores it: the column's own driver mapping (JSON stringified, booleans as 0/1), null kept null. */
const driverValue = (column: SQLiteColumn, value: unknown) => (value === undefined || value === null ? null : column.mapToDriverValue(value));

/** Whether two driver values store the same: equal scalars, or blobs of the same bytes. */
const sameStored = (a: unknown, b: unknown) => a === b || (Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b));

/** Distinct sets of columns a table keeps a statement for: a PATCH changes a few of a handful of fields. */
const statementsKeptPerTable = 64;
/**
 * Sets of columns a table's statements are named for on PostgreSQL, the first met: each pooled connection keeps a
 * named statement until it closes, so the rest run unnamed (planned per call, a primary key's row: cheap).
 */
const namedPerTable = 16;

/** An entry of a table's columns: its property name and its column. */
type NamedColumn = [key: string, column: SQLiteColumn];

/**
 * One statement per set of columns, built on its first use and kept in a bounded LRU: an executor keeps its
 * preparation while the statement lives (core/db/statements.ts), so each set is prepared once per executor. The
 * first `namedPerTable` sets are `reused`, the others `once`, so a PostgreSQL connection keeps a bounded number.
 */
function perColumnSet(build: (columns: NamedColumn[]) => SQL): (columns: NamedColumn[]) => { query: SQL; use: StatementUse } {
  const statements = new LRUCache<string, SQL>({ max: statementsKeptPerTable });
  const useOf = firstNamed(namedPerTable);
  return (columns) => {
    const id = columns.map(([key]) => key).join(',');
    let query = statements.get(id);
    if (!query) {
      query = build(columns);
      statements.set(id, query);
    }
    return { query, use: useOf(id) };
  };
}

const listed = (parts: SQLChunk[]) => sql.join(parts, sql`, `);

/**
 * An INSERT of a row keyed by the table's property names, on a write's executor (either engine), its values mapped
 * as `driverValue` maps them. A column the row leaves out (undefined) is left out of the statement and takes its
 * default: SQLite numbers an integer key, PostgreSQL's identity column takes `default`. One statement per set of
 * columns given (a record's insert always gives the same set).
 */
export function rowInserter<T extends SQLiteTable>(table: T): (tx: StatementExecutor, row: T['$inferInsert']) => Promise<void> {
  const columns: NamedColumn[] = Object.entries(getTableColumns(table));
  const statementFor = perColumnSet((given) => sql`insert into ${table} (${listed(given.map(([, column]) => unqualified(column)))}) values (${listed(given.map(([key]) => sql.placeholder(key)))})`);
  return async (tx, row) => {
    const given: NamedColumn[] = [];
    const values: Bindings = {};
    for (const [key, column] of columns) {
      const value = (row as Record<string, unknown>)[key];
      if (value === undefined) continue;
      given.push([key, column]);
      values[key] = driverValue(column, value);
    }
    const { query, use } = statementFor(given);
    await tx.prepare(query, use).run(values);
  };
}

/** Bound values a statement of many rows takes at most: under PostgreSQL's limit (65,535). */
const valuesPerStatement = 30_000;

/** Each table's `rowInserter`, for the rows `insertRows` writes one at a time on SQLite. */
const inserters = new WeakMap<SQLiteTable, ReturnType<typeof rowInserter>>();

/**
 * INSERTs of many rows keyed by the table's property names, in the order given, on a write's executor: a bulk
 * load's, and every write's relation lists and mentions. On PostgreSQL a statement (a round trip) for up to `valuesPerStatement` values rather than one per row:
 * consecutive rows giving the same columns in one multi-row VALUES, each value bound and mapped as `driverValue` maps
 * it; the text follows the number of rows, so it runs unnamed (`once`). On SQLite, in process, each row by its table's
 * `rowInserter`: a prepared statement run again costs less than one of many rows rendered and prepared (measured:
 * docs/performance.md, "PostgreSQL's rebuild and bulk load").
 */
export async function insertRows(tx: StatementExecutor, table: SQLiteTable, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  if (tx.dialect.name === 'sqlite') {
    const insert = inserters.get(table) ?? rowInserter(table);
    inserters.set(table, insert);
    for (const row of rows) await insert(tx, row);
    return;
  }
  const columns: NamedColumn[] = Object.entries(getTableColumns(table));
  const statements: Array<{ given: NamedColumn[]; id: string; values: SQL[] }> = [];
  for (const row of rows) {
    const given = columns.filter(([key]) => row[key] !== undefined);
    const id = given.map(([key]) => key).join(',');
    let last = statements.at(-1);
    if (!last || last.id !== id || (last.values.length + 1) * given.length > valuesPerStatement) {
      last = { given, id, values: [] };
      statements.push(last);
    }
    last.values.push(sql`(${listed(given.map(([key, column]) => sql`${driverValue(column, row[key])}`))})`);
  }
  for (const { given, values } of statements) {
    await tx.prepare(sql`insert into ${table} (${listed(given.map(([, column]) => unqualified(column)))}) values ${listed(values)}`, 'once').run();
  }
}

/**
 * An UPDATE, on a write's executor (either engine), of the columns of a row (but `key` and `unchanged`) whose values
 * differ from `previous`, mapped as `driverValue` maps them, of the row whose `key` column holds the value given.
 * Only those columns: SQLite rewrites the entry of every index, and fires every `UPDATE OF` trigger, on a column the
 * statement sets even when its value stays (a PATCH of an article's summary rewrote thirteen index entries and its
 * body's start), and a statement with a trigger takes a statement journal. One statement per set of changed
 * columns; none when nothing changed.
 */
export function rowUpdater<T extends SQLiteTable>(
  table: T,
  key: keyof T['$inferSelect'] & string,
  unchanged: ReadonlyArray<keyof T['$inferSelect'] & string>,
): (tx: StatementExecutor, keyValue: unknown, row: Record<string, unknown>, previous: Record<string, unknown>) => Promise<void> {
  const all = getTableColumns(table);
  const columns: NamedColumn[] = Object.entries(all).filter(([name]) => name !== key && !unchanged.includes(name));
  const statementFor = perColumnSet(
    (changed) =>
      sql`update ${table} set ${listed(changed.map(([name, column]) => sql`${unqualified(column)} = ${sql.placeholder(name)}`))} where ${sql.identifier(all[key]!.name)} = ${sql.placeholder(key)}`,
  );
  return async (tx, keyValue, row, previous) => {
    const changed: NamedColumn[] = [];
    const values: Bindings = { [key]: keyValue };
    for (const [name, column] of columns) {
      const value = driverValue(column, row[name]);
      if (sameStored(value, driverValue(column, previous[name]))) continue;
      changed.push([name, column]);
      values[name] = value;
    }
    if (changed.length === 0) return;
    const { query, use } = statementFor(changed);
    await tx.prepare(query, use).run(values);
  };
}
