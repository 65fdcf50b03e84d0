import type Sqlite from 'better-sqlite3';
import { getTableColumns, getTableName } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

/**
 * One prepared single-row INSERT for a Drizzle table, taking rows keyed by the table's property names.
 * Values go through each column's own driver mapping (JSON columns stringified, booleans as 0/1), so a
 * bulk-loaded row is stored exactly as a row written through Drizzle. For loaders, and for the link rows a
 * write replaces: a statement prepared once, where Drizzle's multi-row insert builds and prepares one per call.
 */
export function bulkInserter<T extends SQLiteTable>(sqlite: Sqlite.Database, table: T): (row: T['$inferInsert']) => void {
  const columns = Object.entries(getTableColumns(table));
  const names = columns.map(([, column]) => `"${column.name}"`).join(', ');
  const statement = sqlite.prepare(`insert into "${getTableName(table)}" (${names}) values (${columns.map(() => '?').join(', ')})`);
  return (row) => {
    const values = columns.map(([key, column]) => {
      const value = (row as Record<string, unknown>)[key];
      return value === undefined || value === null ? null : column.mapToDriverValue(value);
    });
    statement.run(values);
  };
}
