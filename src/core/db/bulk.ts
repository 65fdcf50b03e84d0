import type Sqlite from 'better-sqlite3';
import { getTableColumns, getTableName } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';

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

/**
 * One prepared UPDATE of every column of a table but `key` and `unchanged`, of the row whose `key` column holds
 * the value given, mapped as `bulkInserter` maps them. A record's write sets every column: Drizzle's update
 * would build and prepare the same statement again on each write (a tenth to a fifth of a PATCH's transaction
 * in two CPU profiles, docs/performance.md).
 */
export function rowUpdater<T extends SQLiteTable>(
  sqlite: Sqlite.Database,
  table: T,
  key: keyof T['$inferSelect'] & string,
  unchanged: ReadonlyArray<keyof T['$inferSelect'] & string>,
): (keyValue: unknown, row: Record<string, unknown>) => void {
  const all = getTableColumns(table);
  const columns = Object.entries(all).filter(([name]) => name !== key && !unchanged.includes(name));
  const assignments = columns.map(([, column]) => `"${column.name}" = ?`).join(', ');
  const statement = sqlite.prepare(`update "${getTableName(table)}" set ${assignments} where "${all[key]!.name}" = ?`);
  return (keyValue, row) => {
    statement.run([...columns.map(([name, column]) => driverValue(column, row[name])), keyValue]);
  };
}
