import { type SQL, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { postgresMatch, postgresRank, postgresTermConditions } from './postgres-query.js';
import { parseQuery, searchedTerms, type Term } from './query.js';
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
 * 50,000 records holding its terms together). Unlike SQLite's, it requires every searched term (no common-term
 * choice), keeps no per-process counts (they would need invalidating across nodes) and issues no cursor.
 */
export function createPostgresSearch(db: NodePgDatabase, { rankLimit = rankedMatchesLimit, rankPostings = rankedPostingsLimit } = {}) {
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

  const fromIndex = sql`search_index join search_documents on search_documents.doc_id = search_index.rowid`;

  return {
    async search({ q, types, limit }: PostgresSearchRequest): Promise<PostgresHit[]> {
      const terms = searchedTerms(parseQuery(q));
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
