import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import { statement } from '../db/statements.js';
import type { Audience } from '../list/visibility.js';
import type { IndexStatements, RankedAfter, Types } from './index-statements.js';
import { postgresMatch, postgresRank } from './postgres-query.js';
import { postgresTerms } from './postgres-terms.js';
import type { Term } from './query.js';
import { searchDocuments, searchIndex } from './table.js';
import { visibleHit } from './visible-hits.js';

/*
 * Search's index on PostgreSQL (postgres-query.ts: `tsquery` conditions and `ts_rank_cd`), the statements search.ts
 * prepares on a read executor, as it does FTS5's on SQLite. A statement's text follows its terms' shape (their
 * tsquery texts are bound), so it runs unnamed (`once`), planned for its own tsqueries, whose matches vary widely.
 */

const indexed = eq(searchDocuments.doc_id, searchIndex.rowid);

/** The condition of some terms within some types; none of the parsed queries search reaches here has no term. */
function matchOf(terms: Term[], types: Types): SQL {
  const match = postgresMatch(terms, types);
  if (match === null) throw new RangeError('a search without terms reached the index');
  return match;
}

/** Lower is better, as SQLite's BM25: the cursor and the order are the same on both engines. */
const rankOf = (terms: Term[]) => sql<number>`-(${postgresRank(terms)})`;

/** Past a ranked page's last hit: the text is C-collated, as SQLite compares it, so the keyset is the order's. */
const pastRanked = (rank: SQL, after: RankedAfter) => sql`(${rank}, ${searchDocuments.type}, ${searchDocuments.record_id}) > (cast(${after.rank} as float8), ${after.type}, ${after.id})`;

/** Match number `offset + 1`, in no order: only whether there is one is asked, and PostgreSQL need not sort the matches for it. */
function nthMatchOf(match: SQL, audience: Audience) {
  const entries = statement.select({ doc: searchIndex.rowid }).from(searchIndex);
  const seen = audience === 'all' ? entries.where(match) : entries.innerJoin(searchDocuments, indexed).where(and(match, visibleHit(audience)));
  return seen.limit(1).offset(sql.placeholder('offset'));
}

export const postgresIndex: IndexStatements = {
  ...postgresTerms,
  // Deleting the documents deletes their entries (the foreign keys cascade).
  emptied: [sql`delete from ${searchDocuments}`],
  nthMatch: (terms, types, audience, offset) => [nthMatchOf(matchOf(terms, types), audience), { offset }],
  ranked(terms, types, audience, after, limit) {
    const rank = rankOf(terms);
    const page = statement
      .select({ type: searchDocuments.type, id: searchDocuments.record_id, rank, doc: searchDocuments.doc_id })
      .from(searchIndex)
      .innerJoin(searchDocuments, indexed)
      .where(and(matchOf(terms, types), visibleHit(audience), after === null ? undefined : pastRanked(rank, after)))
      .orderBy(rank, searchDocuments.type, searchDocuments.record_id)
      .limit(sql.placeholder('limit'));
    return [page, { limit }];
  },
  newest(terms, types, audience, before, limit) {
    const page = statement
      .select({ type: searchDocuments.type, id: searchDocuments.record_id, rank: sql<null>`null`, doc: searchDocuments.doc_id })
      .from(searchIndex)
      .innerJoin(searchDocuments, indexed)
      .where(and(matchOf(terms, types), sql`${searchIndex.rowid} < ${sql.placeholder('before')}`, visibleHit(audience)))
      .orderBy(desc(searchIndex.rowid))
      .limit(sql.placeholder('limit'));
    return [page, { before, limit }];
  },
};
