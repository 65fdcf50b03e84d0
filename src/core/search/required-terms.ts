import { max } from 'drizzle-orm';
import { memoAtStamp } from '../db/change-stamp.js';
import { type StatementExecutor, statement } from '../db/statements.js';
import type { IndexStatements } from './index-statements.js';
import { searchedTerms, type Term } from './query.js';
import { searchDocuments } from './table.js';

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
 * one term as written (its JSON), bounded by the query's 500 characters.
 */
export const rememberedCounts = 4096;

type Options = { commonRecords?: number; commonRequired?: number };

/** Records holding a term: exact up to `commonRecords`, above it an estimate (the denser its newest records, the more). */
function estimate({ records, oldest }: { records: number; oldest: number | null }, newest: number, commonRecords: number): number {
  if (records <= commonRecords || oldest === null) return records;
  return Math.max(records, (records * newest) / (newest - oldest + 1));
}

/** Of some terms, with the records holding each, all but the common ones past the rarest `commonRequired`. */
function choose(terms: Term[], held: number[], commonRecords: number, commonRequired: number): Term[] {
  const common = terms.map((_, i) => i).filter((i) => held[i]! > commonRecords);
  const dropped = new Set(common.sort((a, b) => held[a]! - held[b]!).slice(commonRequired));
  return terms.filter((_, i) => !dropped.has(i));
}

const newestEntry = statement.select({ doc: max(searchDocuments.doc_id) }).from(searchDocuments);

/** What a term's estimate is remembered under: the term, as its cheaper part is what is sampled. */
const estimateKey = (term: Term) => JSON.stringify(term);

/**
 * Chooses the terms a query requires, on either engine (the index's own statements, `IndexStatements.sample`), its
 * estimates remembered until the change stamp moves. A term's records are counted up to `commonRecords`; for a
 * common term their number is estimated from how far back its newest `commonRecords` reach among the index's
 * entries, so choosing reads at most `commonRecords` entries a term.
 */
export function requiredTermsOn(
  reads: StatementExecutor,
  index: Pick<IndexStatements, 'sample'>,
  stamp: () => string,
  { commonRecords = commonTermRecords, commonRequired = commonTermsRequired }: Options = {},
) {
  const estimates = memoAtStamp<number>(stamp, rememberedCounts);
  return async (terms: Term[]): Promise<Term[]> => {
    const searched = searchedTerms(terms);
    if (searched.length <= commonRequired) return searched;
    const estimated = estimates();
    let newest: number | undefined;
    const held: number[] = [];
    for (const term of searched) {
      let records = estimated.get(estimateKey(term));
      if (records === undefined) {
        newest ??= (await reads.prepare(newestEntry).get())?.doc ?? 0;
        const [query, bindings] = index.sample(term, commonRecords + 1);
        records = estimate((await reads.prepare(query, 'once').get(bindings))!, newest, commonRecords);
        estimated.set(estimateKey(term), records);
      }
      held.push(records);
    }
    return choose(searched, held, commonRecords, commonRequired);
  };
}
