import type Sqlite from 'better-sqlite3';
import { type ColumnsSelection, fillPlaceholders, getTableColumns, getTableName, is, mapResultRow, orderSelectedFields, SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { TypedQueryBuilder } from 'drizzle-orm/query-builders/query-builder';
import { QueryBuilder, type SelectedFieldsOrdered, type SQLiteColumn, SQLiteSyncDialect, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { type Dialect, perDialect, sqliteDialect } from './dialect.js';

/*
 * Statements written once, run on either engine (docs/postgresql.md, step 2). A statement is a Drizzle query over the
 * sqlite-core tables, built with `statement` (no connection behind it), or an `sql` template; an executor renders it
 * for its engine once, keeps it prepared, and decodes its rows with the selection's own column mappers, so every
 * engine gives the same rows.
 */

// Drizzle's own row decoding, which its prepared queries use: exported at run time, left out of its declarations.
declare module 'drizzle-orm' {
  function orderSelectedFields(fields: ColumnsSelection): SelectedFieldsOrdered;
  function mapResultRow<Row>(columns: SelectedFieldsOrdered, row: unknown[], joinsNotNullableMap: undefined): Row;
}

/** Builds statements over the sqlite-core tables without a connection: an executor prepares them for its engine. */
export const statement = new QueryBuilder();

/**
 * An INSERT of one row into `table` (sqlite-core's builder builds no writes without a connection): each column's
 * value the placeholder of its name, mapped as the column maps a value (a JSON column's text); the columns left out
 * take their defaults (SQLite numbers a rowid, PostgreSQL's identity takes its next value); `onConflict` follows the
 * values (`on conflict … do …`, the same on both engines).
 */
export function insertRow(table: SQLiteTable, names: readonly string[], onConflict?: SQL): SQL {
  const columns = names.map((name) => {
    const column = getTableColumns(table)[name];
    if (!column) throw new Error(`no column ${name} in ${getTableName(table)}`);
    return [name, column] as const;
  });
  const list = (each: (name: string, column: SQLiteColumn) => SQLWrapper) =>
    sql.join(
      columns.map(([name, column]) => each(name, column)),
      sql`, `,
    );
  const insert = sql`insert into ${table} (${list((_, column) => unqualified(column))}) values (${list((name, column) => sql.param(sql.placeholder(name), column))})`;
  return onConflict ? sql`${insert} ${onConflict}` : insert;
}

/** An INSERT of one row (`insertRow`) whose integer `key` the engine numbers: run on `tx`, it gives that key (`Dialect.numbered`). */
export function numberedInsert(insert: SQL, key: SQLiteColumn): (tx: StatementExecutor, bindings: Bindings) => Promise<number> {
  const forms = perDialect((dialect) => dialect.numbered(insert, key));
  return async (tx, bindings) => {
    const { insert, readBack } = forms(tx.dialect);
    let row: { key: number } | undefined;
    if (readBack) {
      await tx.prepare(insert).run(bindings);
      row = await tx.prepare(readBack).get();
    } else row = await tx.prepare(insert).get(bindings);
    if (!row) throw new Error(`an insert read no ${key.name} back`);
    return row.key;
  };
}

/** A column as an INSERT, an UPDATE's SET or a RETURNING names it: unqualified, as both engines require. */
export const unqualified = (column: SQLiteColumn): SQLWrapper => sql.identifier(column.name);

/** A statement's placeholders' values, by name. */
export type Bindings = Record<string, unknown>;

/**
 * Where a background job runs: its reads on a read executor (so an idle job takes no write lock), its write a
 * transaction on `tx` (group commit's on SQLite, `postgresWrite`'s on PostgreSQL); the write returns how many rows it did.
 */
export interface ReadsThenWrite {
  reads: StatementExecutor;
  write: (body: (tx: StatementExecutor) => Promise<number>) => Promise<number>;
}

/** A statement prepared on one engine; each call returns a promise, whatever the engine. */
export interface Statement<Row> {
  all(bindings?: Bindings): Promise<Row[]>;
  /** The first row, undefined when there is none. */
  get(bindings?: Bindings): Promise<Row | undefined>;
  /** Runs it for its effect: how many rows it changed. */
  run(bindings?: Bindings): Promise<{ changes: number }>;
}

/** A query whose rows the selection describes (a select, or a write's `returning`), or an `sql` template's raw rows. */
export type Query<Row> = TypedQueryBuilder<ColumnsSelection, Row[]> | SQL<Row>;

/**
 * How a statement is used: `reused`, a text run again with other values, kept prepared; `once`, a text built for
 * its values (search's terms, whose shapes are too many to keep), which PostgreSQL plans for those values and keeps
 * nothing of. SQLite prepares both alike: a statement lives as long as its query object.
 */
export type StatementUse = 'reused' | 'once';

/**
 * How each of a family of statements is used, by its key: the first `most` keys met are `reused` (named on
 * PostgreSQL, where a pooled connection keeps each until it closes), the rest `once`; a key keeps its use for good,
 * since a connection still holds its name after the statement itself is evicted.
 */
export function firstNamed(most: number): (key: string) => StatementUse {
  const named = new Set<string>();
  return (key) => {
    if (named.size < most) named.add(key);
    return named.has(key) ? 'reused' : 'once';
  };
}

/** Where statements run: an engine's connection, pool or transaction. */
export interface StatementExecutor {
  /** The engine's forms of the functions SQLite and PostgreSQL spell differently. */
  readonly dialect: Dialect;
  prepare<Row>(query: Query<Row>, use?: StatementUse): Statement<Row>;
}

/** How a statement's rows become records: the selection's columns and `mapWith` decoders, in order; none for an `sql` template. */
export type RowDecoder = SelectedFieldsOrdered | null;

export function decoderOf<Row>(query: Query<Row>): RowDecoder {
  return is(query, SQL) ? null : orderSelectedFields(query._.selectedFields);
}

/** A row the engine gave as an array, decoded by the columns that selected it. */
export const decodeRow = <Row>(fields: SelectedFieldsOrdered, row: unknown[]): Row => mapResultRow<Row>(fields, row, undefined);

const sqliteRendering = new SQLiteSyncDialect();

/** A statement prepared on a better-sqlite3 connection, answering at once. */
interface SyncStatement<Row> {
  all(bindings?: Bindings): Row[];
  get(bindings?: Bindings): Row | undefined;
  run(bindings?: Bindings): { changes: number };
}

/** A statement prepared once on a better-sqlite3 connection; a call binds, runs and decodes, as Drizzle's own prepared queries do. */
function prepareOnSqlite<Row>(connection: Sqlite.Database, query: Query<Row>): SyncStatement<Row> {
  const { sql: text, params } = sqliteRendering.sqlToQuery(query.getSQL());
  const fields = decoderOf(query);
  const values = (bindings: Bindings = {}) => fillPlaceholders(params, bindings);
  if (fields === null) {
    const prepared = connection.prepare<unknown[], Row>(text);
    return {
      all: (bindings) => prepared.all(...values(bindings)),
      get: (bindings) => prepared.get(...values(bindings)),
      run: (bindings) => ({ changes: prepared.run(...values(bindings)).changes }),
    };
  }
  // Rows as arrays, in the selection's order, as the decoder reads them.
  const prepared = connection.prepare<unknown[], unknown[]>(text).raw();
  return {
    all: (bindings) => prepared.all(...values(bindings)).map((row) => decodeRow<Row>(fields, row)),
    get: (bindings) => {
      const row = prepared.get(...values(bindings));
      return row === undefined ? undefined : decodeRow<Row>(fields, row);
    },
    run: (bindings) => ({ changes: prepared.run(...values(bindings)).changes }),
  };
}

/**
 * What a SQLite executor awaits before each statement, when it answers a promise: group commit's pause, which lets
 * the event loop serve what waits once a write has run past its slice (core/db/group-commit.ts).
 */
export type BeforeStatement = () => Promise<void> | undefined;

/**
 * Statements on a better-sqlite3 connection, each prepared once when the store makes it (`prepareOnSqlite`); a call
 * costs one promise more. A query prepared again on the same executor (a write preparing its statements on each
 * transaction's `tx`) is the statement prepared the first time: kept while the query object lives, as PostgreSQL
 * keeps its rendering (postgres-statements.ts).
 */
export function sqliteStatements(connection: Sqlite.Database, beforeStatement?: BeforeStatement): StatementExecutor {
  const prepared = new WeakMap<object, Statement<unknown>>();
  const after = async <T>(step: () => T): Promise<T> => {
    const pause = beforeStatement?.();
    if (pause) await pause;
    return step();
  };
  return {
    dialect: sqliteDialect,
    prepare<Row>(query: Query<Row>): Statement<Row> {
      const known = prepared.get(query);
      if (known) return known as Statement<Row>;
      const sync = prepareOnSqlite(connection, query);
      const statement: Statement<Row> = {
        all: (bindings) => after(() => sync.all(bindings)),
        get: (bindings) => after(() => sync.get(bindings)),
        run: (bindings) => after(() => sync.run(bindings)),
      };
      prepared.set(query, statement);
      return statement;
    },
  };
}
