import { count, desc, max, min, sql } from 'drizzle-orm';
import { stampedMemo } from '../db/change-stamp.js';
import type { Db } from '../db/database.js';
import { type Term, termLowerBounds } from './query.js';
import { searchDocuments, searchIndex } from './table.js';

/**
 * A term more records hold than this is common: a query requires all its other terms but only the rarest
 * `commonTermsRequired` of its common ones (the rest are neither ranked nor marked), as Lucene's CommonTermsQuery
 * drives a match by its rare terms. FTS5 walks every required term's posting list, to its end when few records
 * hold them all, so this bounds a query's walk to `commonTermsRequired` long lists however many terms it has.
 */
export const commonTermRecords = 200;
export const commonTermsRequired = 4;

/**
 * How many counts of each kind search keeps per process (least recently used go), each until the database
 * changes: a term's records here, and in search.ts the ranking budget's counts and the 2,000th-match probes. A
 * query of common words costs several milliseconds of counting that no change in between can alter. Each key is
 * one term's MATCH expression, bounded by the query's 500 characters.
 */
export const rememberedCounts = 4096;

/**
 * Chooses the terms a query requires. A term's records are counted up to `commonRecords`; for a common term their
 * number is estimated from how far back its newest `commonRecords` reach among the index's entries, so choosing
 * reads at most `commonRecords` entries a term.
 */
export function createRequiredTerms(db: Db, { commonRecords = commonTermRecords, commonRequired = commonTermsRequired } = {}) {
  const placeholder = sql.placeholder;
  const newestHolding = db
    .select({ doc: searchIndex.rowid })
    .from(searchIndex)
    .where(sql`${searchIndex} match ${placeholder('term')}`)
    .orderBy(desc(searchIndex.rowid))
    .limit(commonRecords + 1)
    .as('newest_holding');
  const sample = db
    .select({ records: count(), oldest: min(newestHolding.doc) })
    .from(newestHolding)
    .prepare();
  const newestEntry = db
    .select({ doc: max(searchDocuments.doc_id) })
    .from(searchDocuments)
    .prepare();

  /** Records holding a term: exact up to `commonRecords`, above it an estimate (the denser its newest records, the more). */
  function records(expression: string, newest: number): number {
    const { records, oldest } = sample.get({ term: expression })!;
    if (records <= commonRecords || oldest === null) return records;
    return Math.max(records, (records * newest) / (newest - oldest + 1));
  }

  const estimates = stampedMemo<number>(db, rememberedCounts);

  return (terms: Term[]): Term[] => {
    if (terms.length <= commonRequired) return terms;
    const estimated = estimates();
    let newest: number | undefined;
    const held = termLowerBounds(terms).map((expression) => {
      let count = estimated.get(expression);
      if (count === undefined) {
        newest ??= newestEntry.get()?.doc ?? 0;
        count = records(expression, newest);
        estimated.set(expression, count);
      }
      return count;
    });
    const common = terms.map((_, i) => i).filter((i) => held[i]! > commonRecords);
    const dropped = new Set(common.sort((a, b) => held[a]! - held[b]!).slice(commonRequired));
    return terms.filter((_, i) => !dropped.has(i));
  };
}
