import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';

/**
 * The pieces of SQL that SQLite and PostgreSQL spell differently, one form per engine, so that a statement is
 * written once (core/db/statements.ts). Everything else renders the same from a Drizzle template on both engines;
 * `count(*)` needs no entry, since Drizzle's `count()` already maps it to a number and both engines give one.
 */
export interface Dialect {
  /** Which engine: for a module that reads an engine's own structures its own way (search's indexes, in a list's lookups). */
  readonly name: 'sqlite' | 'postgres';
  /**
   * The strings of a bound JSON array (`'["a","b"]'`), one row each in a column `value`, as a subquery for `in` or a
   * `from`: one placeholder for a list of any length.
   */
  inList(list: SQLWrapper): SQL;
  /** Whether two values differ, a null differing from any value and equal to null (SQLite's `is not`). */
  distinctFrom(left: SQLWrapper, right: SQLWrapper): SQL;
  /** Whether `text` holds `part` (SQLite's `instr`, PostgreSQL's `strpos`): a test of the row, no pattern characters. */
  contains(text: SQLWrapper, part: SQLWrapper): SQL;
  /**
   * The aggregate of `item` over a group's rows as a JSON array, `[]` for none, in `order`. SQLite's aggregate
   * takes its rows in the order its subquery gives them (an ORDER BY of its own would sort in a temporary
   * b-tree, see relations.ts); PostgreSQL's promises no order without one.
   */
  jsonList(item: SQLWrapper, order: SQLWrapper): SQL;
  /** A JSON object of named values; the names are property names written in the code, never input, inlined as literals. */
  jsonObject(entries: ReadonlyArray<readonly [name: string, value: SQLWrapper]>): SQL;
  /**
   * The table read on one of its partial indexes. SQLite is told (`indexed by`): knowing no row counts, its planner
   * would sort every public row. PostgreSQL takes no hints; its planner takes a partial index when the condition
   * implies the index's `where`, which the public rule states with the same literal.
   */
  onPartialIndex(table: SQLiteTable, index: string): SQL;
  /** A row's handle, which a bounded walk lists and its page joins back on: SQLite's rowid, PostgreSQL's primary key. */
  rowHandle(table: SQLiteTable, id: SQLiteColumn): SQL;
  /**
   * The bytes of a column's value as text, null for null, read from the value's header where the engine can:
   * SQLite's `octet_length` for any value; PostgreSQL's for `text` (a TOASTed one's raw size), of the text of others.
   */
  storedBytes(column: SQLiteColumn): SQL;
  /**
   * A one-row `insert` whose integer `key` the engine numbers (left out of the insert), and how its key is read,
   * as `{ key }`: PostgreSQL's `returning` (one round trip; a `before insert` trigger's value included, as the change
   * feed's seq); on SQLite `last_insert_rowid()` read after it on the same connection, since a `returning` clause
   * makes SQLite open a statement journal, whose savepoint flushes FTS5's pending terms (core/db/group-commit.ts).
   * Run by `numberedInsert` (statements.ts).
   */
  numbered(insert: SQL, key: SQLiteColumn): { insert: SQL<{ key: number }>; readBack: SQL<{ key: number }> | null };
  /** The `text` of each object of a JSON list (an article's blocks), in order, joined by a blank line; null for none. */
  blockTexts(list: SQLWrapper): SQL<string>;
  /** A JSON column's stored text, to cut (`substr`): SQLite stores it as text, PostgreSQL's `json` keeps it as written. */
  jsonText(value: SQLWrapper): SQL<string>;
  /**
   * What ends a claim's select, so that claimers in concurrent transactions pass over the rows another has claimed
   * and not yet committed, instead of waiting for it: nothing on SQLite, whose one writer runs claims one at a
   * time; PostgreSQL's `for update skip locked`.
   */
  skipLocked: SQL;
  /**
   * A column compared without offering its indexes to the planner: SQLite's unary `+`, where its planner, which
   * knows no row counts, would take a column's index that reads far more rows than another; PostgreSQL's planner
   * weighs its statistics, so the column as it is.
   */
  unindexed(column: SQLiteColumn): SQL;
}

/** A statement spelled in an engine's dialect, built once per dialect: an executor keeps its preparation while the query lives. */
export function perDialect<T extends object>(build: (dialect: Dialect) => T): (dialect: Dialect) => T {
  const built = new WeakMap<Dialect, T>();
  return (dialect) => {
    let query = built.get(dialect);
    if (!query) {
      query = build(dialect);
      built.set(dialect, query);
    }
    return query;
  };
}

const objectPairs = (entries: ReadonlyArray<readonly [string, SQLWrapper]>) =>
  sql.join(
    entries.map(([name, value]) => sql`${sql.raw(`'${name}'`)}, ${value}`),
    sql`, `,
  );

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  inList: (list) => sql`(select value from json_each(${list}))`,
  distinctFrom: (left, right) => sql`${left} is not ${right}`,
  contains: (text, part) => sql`instr(${text}, ${part}) > 0`,
  jsonList: (item) => sql`json_group_array(${item})`,
  jsonObject: (entries) => sql`json_object(${objectPairs(entries)})`,
  onPartialIndex: (table, index) => sql`${table} indexed by ${sql.identifier(index)}`,
  rowHandle: (table) => sql`${table}.rowid`,
  storedBytes: (column) => sql`octet_length(${column})`,
  numbered: (insert) => ({ insert: sql<{ key: number }>`${insert}`, readBack: sql`select last_insert_rowid() as "key"` }),
  blockTexts: (list) => sql`(select group_concat(value ->> 'text', char(10, 10) order by key) from json_each(${list}))`,
  jsonText: (value) => sql`${value}`,
  skipLocked: sql``,
  unindexed: (column) => sql`+${column}`,
};

export const postgresDialect: Dialect = {
  name: 'postgres',
  inList: (list) => sql`(select value from json_array_elements_text(${list}::json) as listed(value))`,
  distinctFrom: (left, right) => sql`${left} is distinct from ${right}`,
  contains: (text, part) => sql`strpos(${text}, ${part}) > 0`,
  jsonList: (item, order) => sql`coalesce(json_agg(${item} order by ${order}), '[]')`,
  jsonObject: (entries) => sql`json_build_object(${objectPairs(entries)})`,
  onPartialIndex: (table) => sql`${table}`,
  rowHandle: (_, id) => sql`${id}`,
  storedBytes: (column) => (column.columnType === 'SQLiteText' ? sql`octet_length(${column})` : sql`octet_length(${column}::text)`),
  numbered: (insert, key) => ({ insert: sql`${insert} returning ${sql.identifier(key.name)} as "key"`, readBack: null }),
  blockTexts: (list) => sql`(select string_agg(block ->> 'text', chr(10) || chr(10) order by position) from json_array_elements(${list}::json) with ordinality as blocks(block, position))`,
  jsonText: (value) => sql`${value}::text`,
  skipLocked: sql`for update skip locked`,
  unindexed: (column) => sql`${column}`,
};
