import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';

/**
 * The pieces of SQL that SQLite and PostgreSQL spell differently, one form per engine, so that a statement is
 * written once (core/db/statements.ts). Everything else renders the same from a Drizzle template on both engines;
 * `count(*)` needs no entry, since Drizzle's `count()` already maps it to a number and both engines give one.
 */
export interface Dialect {
  /** The strings of a bound JSON array (`'["a","b"]'`), one row each, as a subquery for `in`: one placeholder for a list of any length. */
  inList(list: SQLWrapper): SQL;
  /** Whether two values differ, a null differing from any value and equal to null (SQLite's `is not`). */
  distinctFrom(left: SQLWrapper, right: SQLWrapper): SQL;
}

export const sqliteDialect: Dialect = {
  inList: (list) => sql`(select value from json_each(${list}))`,
  distinctFrom: (left, right) => sql`${left} is not ${right}`,
};

export const postgresDialect: Dialect = {
  inList: (list) => sql`(select json_array_elements_text(${list}::json))`,
  distinctFrom: (left, right) => sql`${left} is distinct from ${right}`,
};
