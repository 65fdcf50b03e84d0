import type Sqlite from 'better-sqlite3';
import { type ColumnsSelection, fillPlaceholders, is, mapResultRow, orderSelectedFields, SQL } from 'drizzle-orm';
import type { TypedQueryBuilder } from 'drizzle-orm/query-builders/query-builder';
import { QueryBuilder, type SelectedFieldsOrdered, SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { type Dialect, sqliteDialect } from './dialect.js';

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

/** A statement's placeholders' values, by name. */
export type Bindings = Record<string, unknown>;

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

/** Where statements run: an engine's connection, pool or transaction. */
export interface StatementExecutor {
  /** The engine's forms of the functions SQLite and PostgreSQL spell differently. */
  readonly dialect: Dialect;
  prepare<Row>(query: Query<Row>): Statement<Row>;
}

/** How a statement's rows become records: the selection's columns and `mapWith` decoders, in order; none for an `sql` template. */
export type RowDecoder = SelectedFieldsOrdered | null;

export function decoderOf<Row>(query: Query<Row>): RowDecoder {
  return is(query, SQL) ? null : orderSelectedFields(query._.selectedFields);
}

/** A row the engine gave as an array, decoded by the columns that selected it. */
export const decodeRow = <Row>(fields: SelectedFieldsOrdered, row: unknown[]): Row => mapResultRow<Row>(fields, row, undefined);

const sqliteRendering = new SQLiteSyncDialect();

/**
 * Statements on a better-sqlite3 connection, each prepared once when the store makes it; a call binds, runs and
 * decodes, as Drizzle's own prepared queries do, and costs one promise more. A query prepared again on the same
 * executor (a write preparing its statements on each transaction's `tx`) is the statement prepared the first time:
 * kept while the query object lives, as PostgreSQL keeps its rendering (postgres-statements.ts).
 */
export function sqliteStatements(connection: Sqlite.Database): StatementExecutor {
  const prepared = new WeakMap<object, Statement<unknown>>();
  return {
    dialect: sqliteDialect,
    prepare<Row>(query: Query<Row>): Statement<Row> {
      const known = prepared.get(query);
      if (known) return known as Statement<Row>;
      const statement = prepareOn<Row>(connection, query);
      prepared.set(query, statement);
      return statement;
    },
  };
}

function prepareOn<Row>(connection: Sqlite.Database, query: Query<Row>): Statement<Row> {
  const { sql: text, params } = sqliteRendering.sqlToQuery(query.getSQL());
  const fields = decoderOf(query);
  const values = (bindings: Bindings = {}) => fillPlaceholders(params, bindings);
  if (fields === null) {
    const prepared = connection.prepare<unknown[], Row>(text);
    return {
      all: async (bindings) => prepared.all(...values(bindings)),
      get: async (bindings) => prepared.get(...values(bindings)),
      run: async (bindings) => ({ changes: prepared.run(...values(bindings)).changes }),
    };
  }
  // Rows as arrays, in the selection's order, as the decoder reads them.
  const prepared = connection.prepare<unknown[], unknown[]>(text).raw();
  return {
    all: async (bindings) => prepared.all(...values(bindings)).map((row) => decodeRow<Row>(fields, row)),
    get: async (bindings) => {
      const row = prepared.get(...values(bindings));
      return row === undefined ? undefined : decodeRow<Row>(fields, row);
    },
    run: async (bindings) => ({ changes: prepared.run(...values(bindings)).changes }),
  };
}
