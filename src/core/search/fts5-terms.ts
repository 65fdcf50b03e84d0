import { count, desc, min, sql } from 'drizzle-orm';
import { statement } from '../db/statements.js';
import type { IndexStatements } from './index-statements.js';
import { termExpressions, termLowerBounds } from './query.js';
import { searchIndex } from './table.js';

/*
 * What FTS5 counts of one term: the part of SQLite's index statements (fts5-index.ts) the choice of required terms
 * needs, kept apart from the resources (fts5-index.ts reads their visibility rules) since the list engine's `q=`
 * choice imports it.
 */

const placeholder = sql.placeholder;

/** A bound MATCH string, by its placeholder's name. */
export const matches = (name: string) => sql`${searchIndex} match ${placeholder(name)}`;

/** How many records hold one term, counted up to `most`: the count stops where the budget is spent. */
const holding = statement.select({ records: count() }).from(statement.select({ doc: searchIndex.rowid }).from(searchIndex).where(matches('term')).limit(placeholder('most')).as('holding'));
const newestHolding = statement.select({ doc: searchIndex.rowid }).from(searchIndex).where(matches('term')).orderBy(desc(searchIndex.rowid)).limit(placeholder('most')).as('newest_holding');
const sample = statement.select({ records: count(), oldest: min(newestHolding.doc) }).from(newestHolding);

export const fts5Terms: Pick<IndexStatements, 'sample' | 'holding'> = {
  sample: (term, most) => [sample, { term: termLowerBounds([term])[0], most }],
  holding: (term, side, most) => [holding, { term: (side === 'lower' ? termLowerBounds : termExpressions)([term])[0], most }],
};
