import { count, desc, min, type SQL, sql } from 'drizzle-orm';
import { statement } from '../db/statements.js';
import type { IndexStatements } from './index-statements.js';
import { postgresTermCondition, postgresTermLowerBound } from './postgres-query.js';
import { searchIndex } from './table.js';

/*
 * What PostgreSQL counts of one term: the part of its index statements (postgres-search.ts) the choice of required
 * terms needs, kept apart from the resources (postgres-search.ts reads their visibility rules) since the list engine's
 * `q=` choice imports it, as fts5-terms.ts is on SQLite.
 */

/** The records holding a condition, up to a bound placeholder `most`. */
const holdingOf = (condition: SQL) =>
  statement.select({ records: count() }).from(statement.select({ doc: searchIndex.rowid }).from(searchIndex).where(condition).limit(sql.placeholder('most')).as('holding'));

function sampleOf(condition: SQL) {
  const newest = statement.select({ doc: searchIndex.rowid }).from(searchIndex).where(condition).orderBy(desc(searchIndex.rowid)).limit(sql.placeholder('most')).as('newest_holding');
  return statement.select({ records: count(), oldest: min(newest.doc) }).from(newest);
}

export const postgresTerms: Pick<IndexStatements, 'sample' | 'holding'> = {
  sample: (term, most) => [sampleOf(postgresTermLowerBound(term)), { most }],
  holding: (term, side, most) => [holdingOf((side === 'lower' ? postgresTermLowerBound : postgresTermCondition)(term)), { most }],
};
