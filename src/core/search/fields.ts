import { getTableColumns, type SQL } from 'drizzle-orm';
import { type Dialect, sqliteDialect } from '../db/dialect.js';
import type { ResourceTable } from '../resources/shared/repository.js';

type Row = Record<string, unknown>;

/** One searchable text of a record; `path` names it in snippets (`aliases.1`). */
export interface SearchField {
  path: string;
  text: string;
}

/**
 * How the start of a derived text is read from the start of what it derives from, for less than deriving it
 * whole costs: `stored` is the SQL of that start, enough for `units` UTF-16 units of the text, and `text` gives at
 * least `units` units of the derived text (or all of it) from it, or null when it does not hold that much.
 */
export interface DerivedStart {
  stored: (units: number, dialect: Dialect) => SQL;
  text: (stored: string, units: number) => string | null;
}

/**
 * Reads the searchable texts of one column of a row; `text`: the column holds one plain text (not a JSON list);
 * `derived`: how SQL computes a field that is not stored (it is read under the field's name), and `start`, how its
 * start is read.
 */
export type FieldReader = ((row: Row) => SearchField[]) & { column: string; text: boolean; derived?: (dialect: Dialect) => SQL; start?: DerivedStart };

/** A column holding one plain text, or a plain text SQL derives from stored columns. */
export const single = (key: string, derived?: { sql: (dialect: Dialect) => SQL; start?: DerivedStart }): FieldReader =>
  Object.assign((row: Row) => (typeof row[key] === 'string' ? [{ path: key, text: row[key] }] : []), {
    column: key,
    text: true,
    ...(derived ? { derived: derived.sql, ...(derived.start ? { start: derived.start } : {}) } : {}),
  });

/** A column holding a JSON list of texts. */
export const list = (key: string): FieldReader =>
  Object.assign((row: Row) => ((row[key] as string[] | undefined) ?? []).map((text, i) => ({ path: `${key}.${i}`, text })), { column: key, text: false });

/** What a resource declares searchable: title fields rank above body fields. */
export interface SearchFields {
  /** The column shown as the result's label: a title or a name. */
  label: 'title' | 'name';
  title: FieldReader[];
  body: FieldReader[];
}

/** What search reads from one resource: its table and its searchable fields. */
export interface SearchSource extends SearchFields {
  table: ResourceTable;
}

export const readFields = (readers: FieldReader[], row: Row): SearchField[] => readers.flatMap((read) => read(row));

/** What SQL reads for a field in an engine's dialect: its column, or the expression of a derived field. */
export const fieldColumn = (source: SearchSource, read: FieldReader, dialect: Dialect) => read.derived?.(dialect) ?? getTableColumns(source.table)[read.column]!;

/** Every stored column of a source's table, and its derived fields in an engine's dialect: a whole row as the indexer reads it. */
export const sourceColumns = (source: SearchSource, dialect: Dialect = sqliteDialect) => ({
  ...getTableColumns(source.table),
  ...Object.fromEntries([...source.title, ...source.body].flatMap((read) => (read.derived ? [[read.column, read.derived(dialect)]] : []))),
});
