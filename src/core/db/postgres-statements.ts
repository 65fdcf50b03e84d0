import { createHash } from 'node:crypto';
import { fillPlaceholders } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { postgresDialect } from './dialect.js';
import { readInt8 } from './postgres-tables.js';
import { type Bindings, decodeRow, decoderOf, type Query, type RowDecoder, type Statement, type StatementExecutor, type StatementUse } from './statements.js';

/*
 * The statement executor on PostgreSQL (core/db/statements.ts): a statement written over the sqlite-core tables is
 * rendered by Drizzle's PgDialect ($n placeholders) and run as a named prepared statement, which node-postgres
 * prepares once on each pooled connection (one used `once` runs unnamed: nothing of it stays on the connection);
 * its rows are decoded by the same columns as on SQLite.
 */

/**
 * The driver's values made into those better-sqlite3 gives, the one place the engines' values differ, so that the
 * sqlite-core columns decode both alike: json as its text (the column parses it; node-postgres would parse it
 * first), booleans as 1 and 0 (a boolean column reads 1 as true; a computed `exists` reads 1 as on SQLite), int8 and
 * numeric (`sum`) as numbers. bytea is a Buffer already, as a blob is.
 */
const sqliteLikeValues = new pg.TypeOverrides();
sqliteLikeValues.setTypeParser(pg.types.builtins.JSON, (text: string) => text);
sqliteLikeValues.setTypeParser(pg.types.builtins.JSONB, (text: string) => text);
sqliteLikeValues.setTypeParser(pg.types.builtins.BOOL, (text: string) => (text === 't' ? 1 : 0));
sqliteLikeValues.setTypeParser(pg.types.builtins.INT8, readInt8);
sqliteLikeValues.setTypeParser(pg.types.builtins.NUMERIC, Number);

const rendering = new PgDialect();

interface Rendered {
  /** The server-side name: one per text, so the same statement prepared twice (each transaction's) shares it. */
  name: string;
  text: string;
  params: unknown[];
  fields: RowDecoder;
}

// Each statement is rendered once: a transaction prepares the statements it runs on its own connection.
const renderedQueries = new WeakMap<object, Rendered>();

function render(query: Query<unknown>): Rendered {
  const known = renderedQueries.get(query);
  if (known) return known;
  const { sql: text, params } = rendering.sqlToQuery(query.getSQL());
  const rendered = { name: `k_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`, text, params, fields: decoderOf(query) };
  renderedQueries.set(query, rendered);
  return rendered;
}

type Connection = pg.Pool | pg.PoolClient;

/**
 * Where statements run: a pool (each call on whichever connection is free), one connection (a transaction's), or
 * a lender that runs each call on a connection it chooses (the read router's, primary or replica).
 */
export type StatementSite = Connection | (<T>(run: (on: Connection) => Promise<T>) => Promise<T>);

export function postgresStatements(site: StatementSite): StatementExecutor {
  const through = typeof site === 'function' ? site : <T>(run: (on: Connection) => Promise<T>) => run(site);
  return {
    dialect: postgresDialect,
    prepare<Row>(query: Query<Row>, use: StatementUse = 'reused'): Statement<Row> {
      const { text, params, fields, ...rendered } = render(query);
      // node-postgres runs a query without a name as the unnamed statement, parsed and planned for each call's values.
      const name = use === 'reused' ? rendered.name : undefined;
      const values = (bindings: Bindings = {}) => fillPlaceholders(params, bindings);
      const rows = async (bindings?: Bindings): Promise<Row[]> => {
        if (fields === null) return (await through((on) => on.query<Row & pg.QueryResultRow>({ name, text, values: values(bindings), types: sqliteLikeValues }))).rows;
        const { rows } = await through((on) => on.query<unknown[]>({ name, text, values: values(bindings), types: sqliteLikeValues, rowMode: 'array' }));
        return rows.map((row) => decodeRow<Row>(fields, row));
      };
      return {
        all: rows,
        get: async (bindings) => (await rows(bindings))[0],
        run: async (bindings) => ({ changes: (await through((on) => on.query({ name, text, values: values(bindings), types: sqliteLikeValues }))).rowCount ?? 0 }),
      };
    },
  };
}
