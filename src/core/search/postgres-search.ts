import { type SQL, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { postgresMatch, postgresRank, postgresTermConditions, postgresTermLowerBounds } from './postgres-query.js';
import { parseQuery, searchedTerms, type Term } from './query.js';
import { commonTermRecords, commonTermsRequired } from './required-terms.js';
import { rankedMatchesLimit, rankedPostingsLimit } from './search.js';
import { isSearchType, type SearchType, searchTypes } from './sources.js';

/** One record a query finds: its score (higher is better), null when the query was too broad to rank (newest first). */
export interface PostgresHit {
  type: SearchType;
  id: string;
  score: number | null;
}

export interface PostgresSearchRequest {
  q: string;
  types: readonly SearchType[];
  limit: number;
}

type HitRow = { type: string; id: string; score: number | null };

/**
 * Search's index query on PostgreSQL, serving no request yet: the ids a query finds, ranked by `postgresRank`, or
 * newest first when it is too broad to rank by the thresholds SQLite's search uses (a 2,000th match; more than
 * 50,000 records holding its terms together), requiring the terms SQLite's `createRequiredTerms` would. Unlike
 * SQLite's, it keeps no per-process counts (they would need invalidating across nodes) and issues no cursor.
 */
export function createPostgresSearch(
  db: NodePgDatabase,
  { rankLimit = rankedMatchesLimit, rankPostings = rankedPostingsLimit, commonRecords = commonTermRecords, commonRequired = commonTermsRequired } = {},
) {
  const rows = async <T extends Record<string, unknown>>(query: SQL) => (await db.execute<T>(query)).rows;

  /** Whether a match has a match number `rankLimit`. */
  const hasTooManyMatches = async (match: SQL) => (await rows(sql`select 1 from search_index where ${match} offset ${rankLimit - 1} limit 1`)).length > 0;

  /** How many records hold one term, counted up to `most`. */
  async function recordsUpTo(condition: SQL, most: number): Promise<number> {
    const [counted] = await rows<{ records: number }>(sql`select count(*)::int4 as records from (select 1 from search_index where ${condition} limit ${most}) as holding`);
    return counted?.records ?? 0;
  }

  /** Whether the records holding each term add up to at most `rankPostings`, counted one by one until they do not. */
  async function withinPostings(terms: Term[]): Promise<boolean> {
    let left = rankPostings;
    for (const condition of postgresTermConditions(terms)) {
      left -= await recordsUpTo(condition, left + 1);
      if (left < 0) return false;
    }
    return true;
  }

  /** As SQLite's `firstPage`: the cheaper test first, the postings' when a prefix makes the 2,000th-match probe read both its sides. */
  async function tooBroad(match: SQL, terms: Term[]): Promise<boolean> {
    const tooMany = () => hasTooManyMatches(match);
    const tooLong = async () => !(await withinPostings(terms));
    return terms.some((term) => term.kind === 'prefix') ? (await tooLong()) || tooMany() : (await tooMany()) || tooLong();
  }

  /** Records holding a term, as `createRequiredTerms` estimates them: exact up to `commonRecords`, above it from how far back its newest `commonRecords` reach. */
  async function estimatedRecords(condition: SQL, newest: number): Promise<number> {
    const [sample] = await rows<{ records: number; oldest: number | null }>(
      sql`select count(*)::int4 as records, min(rowid)::float8 as oldest from (select rowid from search_index where ${condition} order by rowid desc limit ${commonRecords + 1}) as newest_holding`,
    );
    const { records = 0, oldest = null } = sample ?? {};
    return records <= commonRecords || oldest === null ? records : Math.max(records, (records * newest) / (newest - oldest + 1));
  }

  /** The terms a query requires: its rare terms and the rarest `commonRequired` of its common ones (required-terms.ts). */
  async function requiredTerms(terms: Term[]): Promise<Term[]> {
    if (terms.length <= commonRequired) return terms;
    const [entry] = await rows<{ newest: number | null }>(sql`select max(doc_id)::float8 as newest from search_documents`);
    const held: number[] = [];
    for (const condition of postgresTermLowerBounds(terms)) held.push(await estimatedRecords(condition, entry?.newest ?? 0));
    const common = terms.map((_, i) => i).filter((i) => held[i]! > commonRecords);
    const dropped = new Set(common.sort((a, b) => held[a]! - held[b]!).slice(commonRequired));
    return terms.filter((_, i) => !dropped.has(i));
  }

  const fromIndex = sql`search_index join search_documents on search_documents.doc_id = search_index.rowid`;

  return {
    async search({ q, types, limit }: PostgresSearchRequest): Promise<PostgresHit[]> {
      const terms = await requiredTerms(searchedTerms(parseQuery(q)));
      const match = postgresMatch(terms, new Set(types).size < searchTypes.length ? types : null);
      if (match === null) return [];
      const found = (await tooBroad(match, terms))
        ? await rows<HitRow>(sql`select search_documents.type, search_documents.record_id as id, null as score from ${fromIndex} where ${match} order by search_index.rowid desc limit ${limit}`)
        : await rows<HitRow>(
            sql`select search_documents.type, search_documents.record_id as id, ${postgresRank(terms)} as score from ${fromIndex} where ${match}
              order by score desc, search_documents.type, search_documents.record_id limit ${limit}`,
          );
      return found.flatMap(({ type, id, score }) => (isSearchType(type) ? [{ type, id, score }] : []));
    },
  };
}
