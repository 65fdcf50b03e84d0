import type Sqlite from 'better-sqlite3';
import { getTableColumns, getTableName } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { LRUCache } from 'lru-cache';

/** A value as its column stores it: the column's own driver mapping (JSON stringified, booleans as 0/1), null kept null. */
const driverValue = (column: SQLiteColumn, value: unknown) => (value === undefined || value === null ? null : column.mapToDriverValue(value));

/**
 * One prepared single-row INSERT for a Drizzle table, taking rows keyed by the table's property names.
 * Values go through each column's own driver mapping, so a bulk-loaded row is stored exactly as a row written
 * through Drizzle. For loaders, and for the link rows a write replaces: a statement prepared once, where
 * Drizzle's multi-row insert builds and prepares one per call.
 */
export function bulkInserter<T extends SQLiteTable>(sqlite: Sqlite.Database, table: T): (row: T['$inferInsert']) => void {
  const columns = Object.entries(getTableColumns(table));
  const names = columns.map(([, column]) => `"${column.name}"`).join(', ');
  const statement = sqlite.prepare(`insert into "${getTableName(table)}" (${names}) values (${columns.map(() => '?').join(', ')})`);
  return (row) => {
    statement.run(columns.map(([key, column]) => driverValue(column, (row as Record<string, unknown>)[key])));
  };
}

/** Whether two driver values store the same: equal scalars, or blobs of the same bytes. */
const sameStored = (a: unknown, b: unknown) => a === b || (Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b));

/** Distinct sets of changed columns a table keeps a statement for: a PATCH changes a few of a handful of fields. */
const updatesKeptPerTable = 64;

/**
 * An UPDATE of the columns of a row (but `key` and `unchanged`) whose values differ from `previous`, mapped as
 * `bulkInserter` maps them, of the row whose `key` column holds the value given. Only those columns: SQLite
 * rewrites the entry of every index, and fires every `UPDATE OF` trigger, on a column the statement sets even
 * when its value stays (a PATCH of an article's summary rewrote thirteen index entries and its body's start),
 * and a statement with a trigger takes a statement journal. One statement per set of changed columns,
 * prepared on its first use and kept in a bounded LRU.
 */
export function rowUpdater<T extends SQLiteTable>(
  sqlite: Sqlite.Database,
  table: T,
  key: keyof T['$inferSelect'] & string,
  unchanged: ReadonlyArray<keyof T['$inferSelect'] & string>,
): (keyValue: unknown, row: Record<string, unknown>, previous: Record<string, unknown>) => void {
  const all = getTableColumns(table);
  const columns = Object.entries(all).filter(([name]) => name !== key && !unchanged.includes(name));
  const statements = new LRUCache<string, Sqlite.Statement>({ max: updatesKeptPerTable });
  const statementFor = (changed: SQLiteColumn[]) => {
    const id = changed.map((column) => column.name).join(',');
    let statement = statements.get(id);
    if (!statement) {
      const assignments = changed.map((column) => `"${column.name}" = ?`).join(', ');
      statement = sqlite.prepare(`update "${getTableName(table)}" set ${assignments} where "${all[key]!.name}" = ?`);
      statements.set(id, statement);
    }
    return statement;
  };
  return (keyValue, row, previous) => {
    const changed: SQLiteColumn[] = [];
    const values: unknown[] = [];
    for (const [name, column] of columns) {
      const value = driverValue(column, row[name]);
      if (sameStored(value, driverValue(column, previous[name]))) continue;
      changed.push(column);
      values.push(value);
    }
    if (changed.length > 0) statementFor(changed).run([...values, keyValue]);
  };
}
