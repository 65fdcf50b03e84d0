import { createHash } from 'node:crypto';
import { eq, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { KhabarError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../list/cursor.js';
import { inIdList } from '../resources/shared/relations.js';
import { matchExpression, parseQuery, type Term } from './query.js';
import { makeSnippet, type Snippet } from './snippet.js';
import { readFields, searchSources, searchTypes, type SearchType } from './sources.js';
import { searchDocuments, searchIndex } from './table.js';

/**
 * BM25 weights per column of search_index (type, title, title_stem, body, body_stem): titles and names
 * above body text, and the exact word above its stem. A record matching the exact form also matches
 * its stem, so exact forms always score higher than stem-only matches.
 */
const rank = sql<number>`bm25(${searchIndex}, 0, 10, 4, 2, 1)`;

export interface SearchResult {
  type: SearchType;
  id: string;
  slug: string;
  title_or_name: string;
  score: number;
  snippet: Snippet;
}

export interface SearchRequest {
  q: string;
  types: readonly SearchType[];
  limit: number;
  cursor?: string | undefined;
}

/** Where the previous page ended, in the ranked order (rank, type, id), tied to the query that made it. */
const cursorShape = z.tuple([z.number(), z.enum(searchTypes), z.string(), z.string()]);

const fingerprint = (match: string) => createHash('sha256').update(match).digest('base64url').slice(0, 16);

function pageStart(cursor: string | undefined, match: string) {
  if (cursor === undefined) return { after_rank: null, after_type: null, after_id: null };
  const parsed = cursorShape.safeParse(decodeCursor(cursor));
  if (!parsed.success || parsed.data[3] !== fingerprint(match)) {
    throw new KhabarError('validation_failed', 'cursor is not one this API issued for this query', [
      { path: 'query.cursor', message: 'use meta.next_cursor of the same query' },
    ]);
  }
  const [after_rank, after_type, after_id] = parsed.data;
  return { after_rank, after_type, after_id };
}

type Row = Record<string, unknown>;

/** Search over every resource: ranked ids with one FTS5 statement, then each type's rows by primary key. */
export function createSearch(db: Db) {
  const placeholder = sql.placeholder;
  const ranked = db
    .select({ type: searchDocuments.type, id: searchDocuments.record_id, rank })
    .from(searchIndex)
    .innerJoin(searchDocuments, eq(searchDocuments.doc_id, searchIndex.rowid))
    .where(
      sql`${searchIndex} match ${placeholder('match')} and (${placeholder('after_rank')} is null or (${rank}, ${searchDocuments.type}, ${searchDocuments.record_id}) > (${placeholder('after_rank')}, ${placeholder('after_type')}, ${placeholder('after_id')}))`,
    )
    .orderBy(rank, searchDocuments.type, searchDocuments.record_id)
    .limit(placeholder('limit'))
    .prepare();
  const rowsById = (type: SearchType) => {
    const table = searchSources[type].table;
    return db.select().from(table as SQLiteTable).where(inIdList(table.id)).prepare();
  };
  const rowsOf = Object.fromEntries(searchTypes.map((type) => [type, rowsById(type)])) as Record<SearchType, ReturnType<typeof rowsById>>;

  function withContent(hits: Array<{ type: SearchType; id: string; rank: number }>, terms: Term[]): SearchResult[] {
    const rows = new Map<string, Row>();
    for (const type of new Set(hits.map((hit) => hit.type))) {
      const ids = hits.filter((hit) => hit.type === type).map((hit) => hit.id);
      for (const row of rowsOf[type].all({ ids: JSON.stringify(ids) }) as Row[]) rows.set(row.id as string, row);
    }
    return hits.map(({ type, id, rank: r }) => {
      const row = rows.get(id)!;
      const source = searchSources[type];
      return {
        type,
        id,
        slug: row.slug as string,
        title_or_name: row[source.label] as string,
        score: -r,
        snippet: makeSnippet([...readFields(source.body, row), ...readFields(source.title, row)], terms),
      };
    });
  }

  return {
    search({ q, types, limit, cursor }: SearchRequest): { results: SearchResult[]; nextCursor: string | null } {
      const terms = parseQuery(q);
      const match = matchExpression(terms, types);
      if (match === null) return { results: [], nextCursor: null };
      const hits = ranked.all({ match, limit: limit + 1, ...pageStart(cursor, match) }) as Array<{ type: SearchType; id: string; rank: number }>;
      const page = hits.slice(0, limit);
      const last = page.at(-1);
      return {
        results: withContent(page, terms),
        nextCursor: hits.length > limit && last ? encodeCursor([last.rank, last.type, last.id, fingerprint(match)]) : null,
      };
    },
  };
}

export type Search = ReturnType<typeof createSearch>;

/** `id IN (the records whose index entry matches)`, for a bound MATCH string or a placeholder for one. */
export const matchingIds = (id: SQLiteColumn, match: string | Placeholder): SQL =>
  sql`${id} in (select ${searchDocuments.record_id} from ${searchIndex} join ${searchDocuments} on ${searchDocuments.doc_id} = ${searchIndex.rowid} where ${searchIndex} match ${match})`;

/** A MATCH string no record satisfies (no record has this type): for a query without a word to search for. */
export const matchNothing = 'type : "none"';

/**
 * A condition restricting a resource list to the records that match `q`: `id IN (records of this type
 * whose index entry matches)`. A query without a word to search for matches nothing, as on /v1/search.
 * The MATCH expression is a bound parameter.
 */
export function matchingRecords(type: SearchType, id: SQLiteColumn, q: string): SQL {
  return matchingIds(id, matchExpression(parseQuery(q), [type]) ?? matchNothing);
}
