import { createHash } from 'node:crypto';
import { and, count, desc, eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { stampedMemo } from '../db/change-stamp.js';
import type { Db } from '../db/database.js';
import { KhabarError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../list/cursor.js';
import { type Audience, everything, perAudience, type Visibility, visibilityValues } from '../list/visibility.js';
import { byResource, resources } from '../resources/registry.js';
import { inIdList } from '../resources/shared/relations.js';
import { type FieldReader, fieldColumn, readFields } from './fields.js';
import { matchExpression, parseQuery, rankExpression, searchedTerms, type Term, termExpressions, termLowerBounds } from './query.js';
import { createRequiredTerms, rememberedCounts } from './required-terms.js';
import { makeSnippet, type Snippet, snippetSourceLength } from './snippet.js';
import { isSearchType, type SearchType, searchSources, searchTypes } from './sources.js';
import { searchDocuments, searchIndex } from './table.js';

/**
 * BM25 weights per column of search_index (type, title, title_stem, body, body_stem). A record holding a
 * query word as written (`wordForms`) ranks above one holding only another word of its light stem (وكيل
 * above «الكيل», فنية above «الفنان»): the written-form columns weigh 1e9, so that one occurrence takes BM25's
 * term frequency to its ceiling and the term scores its full IDF, which no stem-only record can reach (every
 * record holding a written form holds its stem, so the stem's IDF is at most the form's). That holds for records
 * up to ten thousand times the average length. Among such records, titles and names weigh more than body text
 * through their stems (4 and 1).
 */
const rank = sql<number>`bm25(${searchIndex}, 0, 1e9, 4, 1e9, 1)`;

/**
 * A query matching more records than this is not ranked. BM25 first counts, for every word, the records that
 * hold it (a walk of the word's whole posting list) and then scores every match: for a word nearly every
 * record holds, that is tens of milliseconds per query and tells the matches almost nothing apart (BM25 gives
 * a word in more than half the records no weight). Such a query answers newest first, as news search does.
 */
export const rankedMatchesLimit = 2000;

/**
 * A query is ranked only while the records holding each of its terms add up to at most this. BM25 reads the
 * whole posting list of every term (and of each written form) to weigh it: 32 words each in nearly every record
 * of 100,000 took 280 ms to rank, though few records held them all. Such a query answers newest first too.
 */
export const rankedPostingsLimit = 50_000;

export interface SearchResult {
  type: SearchType;
  id: string;
  slug: string;
  title_or_name: string;
  /** BM25, higher is better; null when the query matched too many records to rank (newest first). */
  score: number | null;
  snippet: Snippet;
}

export interface SearchRequest {
  q: string;
  types: readonly SearchType[];
  limit: number;
  cursor?: string | undefined;
  /** Every record unless told: the web layer says what its reader sees. */
  visibility?: Visibility;
}

/**
 * Where the previous page ended, tied to the query that made it: in the ranked order (rank, type, id), or
 * in the newest-first order of a query too broad to rank (index entry).
 */
const rankedCursor = z.tuple([z.number(), z.enum(searchTypes), z.string(), z.string()]);
const newestCursor = z.tuple([z.literal('newest'), z.number().int(), z.string()]);

const fingerprint = (match: string) => createHash('sha256').update(match).digest('base64url').slice(0, 16);

type PageStart = { order: 'ranked'; after_rank: number | null; after_type: string | null; after_id: string | null } | { order: 'newest'; after_doc: number };

function pageStart(cursor: string, match: string): PageStart {
  const decoded = decodeCursor(cursor);
  const ranked = rankedCursor.safeParse(decoded);
  if (ranked.success && ranked.data[3] === fingerprint(match)) {
    const [after_rank, after_type, after_id] = ranked.data;
    return { order: 'ranked', after_rank, after_type, after_id };
  }
  const newest = newestCursor.safeParse(decoded);
  if (newest.success && newest.data[2] === fingerprint(match)) return { order: 'newest', after_doc: newest.data[1] };
  throw new KhabarError('validation_failed', 'cursor is not one this API issued for this query', [{ path: 'querystring.cursor', message: 'use meta.next_cursor of the same query' }]);
}

type Hit = { type: SearchType; id: string; rank: number | null; doc: number };

/** The hits of a type this server serves: the indexer writes only resource names, so in practice none is left out. */
const servedHits = <T extends { type: string }>(rows: T[]) =>
  rows.flatMap((row) => {
    const { type } = row;
    return isSearchType(type) ? [{ ...row, type }] : [];
  });

type Row = Record<string, unknown>;

/** A text column of a result's row (id, slug, its label): checked, as the row's columns are chosen by name. */
function textOf(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new TypeError(`search read a ${typeof value} ${column}, not a text`);
  return value;
}

type SearchOptions = { rankLimit?: number; rankPostings?: number } & Parameters<typeof createRequiredTerms>[1];

/** Search over every resource: ranked ids with one FTS5 statement, then each type's rows by primary key. */
export function createSearch(db: Db, { rankLimit = rankedMatchesLimit, rankPostings = rankedPostingsLimit, ...required }: SearchOptions = {}) {
  const placeholder = sql.placeholder;
  const requiredTerms = createRequiredTerms(db, required);
  const matches = sql`${searchIndex} match ${placeholder('match')}`;
  // The public's hits are of records it sees: for a type with a rule (ListSpec.visibleWhen), one primary-key lookup per hit.
  const publicHit = and(
    ...resources.flatMap(({ name, table, list }) =>
      list.visibleWhen ? [sql`(${searchDocuments.type} <> ${name} or exists (select 1 from ${table} where ${table.id} = ${searchDocuments.record_id} and ${list.visibleWhen}))`] : [],
    ),
  );
  const visibleHit = (audience: Audience): SQL | undefined => (audience === 'public' ? publicHit : undefined);
  const ranked = perAudience((audience) =>
    db
      .select({ type: searchDocuments.type, id: searchDocuments.record_id, rank, doc: searchDocuments.doc_id })
      .from(searchIndex)
      .innerJoin(searchDocuments, eq(searchDocuments.doc_id, searchIndex.rowid))
      .where(
        and(
          sql`${searchIndex} match ${placeholder('rank_match')} and ${inIdList(searchDocuments.type, 'types')} and (${placeholder('after_rank')} is null or (${rank}, ${searchDocuments.type}, ${searchDocuments.record_id}) > (${placeholder('after_rank')}, ${placeholder('after_type')}, ${placeholder('after_id')}))`,
          visibleHit(audience),
        ),
      )
      .orderBy(rank, searchDocuments.type, searchDocuments.record_id)
      .limit(placeholder('limit'))
      .prepare(),
  );
  /** The index entry of the query's match number `rankLimit`, newest first: none for a query narrow enough to rank. */
  const broadMatch = db
    .select({ doc: searchIndex.rowid })
    .from(searchIndex)
    .where(matches)
    .orderBy(desc(searchIndex.rowid))
    .limit(1)
    .offset(rankLimit - 1)
    .prepare();
  /** The same among the records the public sees: asked only once the first has found one, since it reads every hit's record. */
  const publicBroadMatch = db
    .select({ doc: searchIndex.rowid })
    .from(searchIndex)
    .innerJoin(searchDocuments, eq(searchDocuments.doc_id, searchIndex.rowid))
    .where(and(matches, publicHit))
    .orderBy(desc(searchIndex.rowid))
    .limit(1)
    .offset(rankLimit - 1)
    .prepare();
  /** How many records hold one term, counted up to `most`: the count stops where the budget is spent. */
  const termRecords = db
    .select({ records: count() })
    .from(
      db
        .select({ doc: searchIndex.rowid })
        .from(searchIndex)
        .where(sql`${searchIndex} match ${placeholder('term')}`)
        .limit(placeholder('most'))
        .as('holding'),
    )
    .prepare();
  const newest = perAudience((audience) =>
    db
      .select({ type: searchDocuments.type, id: searchDocuments.record_id, doc: searchDocuments.doc_id })
      .from(searchIndex)
      .innerJoin(searchDocuments, eq(searchDocuments.doc_id, searchIndex.rowid))
      .where(and(sql`${matches} and ${searchIndex.rowid} < ${placeholder('after_doc')}`, visibleHit(audience)))
      .orderBy(desc(searchIndex.rowid))
      .limit(placeholder('limit'))
      .prepare(),
  );
  // Only the columns a result shows, and of a body text only the start a snippet can show: reading five
  // imported reports of 800 KB whole cost a page of results more than all its other work. A derived body text is
  // read from the start of what it derives from where it can (`whole` false), since deriving it whole costs as much.
  const rowsById = (type: SearchType, whole: boolean) => {
    const source = searchSources[type];
    const { table, label, title, body } = source;
    const columns = getTableColumns(table);
    const shown = [...['id', 'slug', label].map((key) => [key, columns[key]!] as const), ...title.map((read) => [read.column, fieldColumn(source, read)] as const)];
    const start = (read: FieldReader) => (read.start && !whole ? read.start.stored(snippetSourceLength) : sql`substr(${fieldColumn(source, read)}, 1, ${snippetSourceLength})`);
    const bodies = body.map((read) => [read.column, read.text ? start(read) : fieldColumn(source, read)] as const);
    return db
      .select(Object.fromEntries([...shown, ...bodies]))
      .from(table)
      .where(inIdList(table.id))
      .prepare();
  };
  const rowsOf = byResource((resource) => rowsById(resource.name, false));
  /** Rows with their derived body texts read whole, for the types that read one from its start. */
  const wholeRowsOf = byResource((resource) => (searchSources[resource.name].body.some((read) => read.start) ? rowsById(resource.name, true) : null));

  /** A row with the start of each derived body text read from what it derives from; null where that holds too little. */
  function withBodyStarts(type: SearchType, row: Row): Row | null {
    const starts = searchSources[type].body.flatMap((read) =>
      read.start && typeof row[read.column] === 'string' ? [[read.column, read.start.text(textOf(row, read.column), snippetSourceLength)] as const] : [],
    );
    return starts.some(([, text]) => text === null) ? null : { ...row, ...Object.fromEntries(starts) };
  }

  /** The rows of some records of one type, by id: from the starts of their stored texts, else (rarely) whole. */
  function rowsOfType(type: SearchType, ids: string[]): Row[] {
    const rows = rowsOf[type].all({ ids: JSON.stringify(ids) }).map((row) => ({ id: textOf(row, 'id'), row: withBodyStarts(type, row) }));
    const unread = rows.filter(({ row }) => row === null).map(({ id }) => id);
    const read = rows.flatMap(({ row }) => (row === null ? [] : [row]));
    return unread.length === 0 ? read : [...read, ...(wholeRowsOf[type]?.all({ ids: JSON.stringify(unread) }) ?? [])];
  }

  function withContent(hits: Hit[], terms: Term[]): SearchResult[] {
    const rows = new Map<string, Row>();
    for (const type of new Set(hits.map((hit) => hit.type))) {
      const ids = hits.filter((hit) => hit.type === type).map((hit) => hit.id);
      for (const row of rowsOfType(type, ids)) rows.set(textOf(row, 'id'), row);
    }
    // A record deleted between the index query and this read has no row: its hit is left out.
    return hits.flatMap(({ type, id, rank: r }) => {
      const row = rows.get(id);
      if (!row) return [];
      const source = searchSources[type];
      return {
        type,
        id,
        slug: textOf(row, 'slug'),
        title_or_name: textOf(row, source.label),
        score: r === null ? null : -r,
        snippet: makeSnippet([...readFields(source.body, row), ...readFields(source.title, row)], terms),
      };
    });
  }

  const termCounts = stampedMemo<{ records: number; most: number }>(db, rememberedCounts);
  const broadMatches = stampedMemo<boolean>(db, rememberedCounts);

  /** How many records hold a term, counted up to `most`: remembered with the bound it was counted to, which a count that stopped short of is exact. */
  function recordsUpTo(counted: ReturnType<typeof termCounts>, term: string, most: number): number {
    const known = counted.get(term);
    if (known !== undefined && (known.records < known.most || most <= known.most)) return Math.min(known.records, most);
    const { records } = termRecords.get({ term, most })!;
    counted.set(term, { records, most });
    return records;
  }

  /** Whether the records holding each expression add up to at most `rankPostings`, counted one by one until they do not. */
  function withinPostings(expressions: string[]): boolean {
    const counted = termCounts();
    let left = rankPostings;
    for (const term of expressions) {
      left -= recordsUpTo(counted, term, left + 1);
      if (left < 0) return false;
    }
    return true;
  }

  /**
   * Whether a match expression has a match number `rankLimit` among the records the reader sees (a public reader's
   * decision must not tell it that hidden ones exist): remembered until the database changes, or for the public
   * until the next scheduled publication (part of the key).
   */
  function hasTooManyMatches(match: string, visibility: Visibility): boolean {
    const probed = broadMatches();
    const key = visibility.audience === 'public' ? `public ${visibility.nextPublication} ${match}` : `all ${match}`;
    let broad = probed.get(key);
    if (broad === undefined) {
      broad = broadMatch.get({ match }) !== undefined && (visibility.audience === 'all' || publicBroadMatch.get({ match, ...visibilityValues(visibility) }) !== undefined);
      probed.set(key, broad);
    }
    return broad;
  }

  /**
   * Whether the posting lists BM25 would read add up to at most `rankPostings`. Cheaper lower bounds are counted
   * first: a query with a broad prefix is found too broad without FTS5 merging the words its written side starts.
   */
  function cheapToRank(terms: Term[]): boolean {
    const lower = termLowerBounds(terms);
    const exact = termExpressions(terms);
    return withinPostings(lower) && (lower.every((expression, i) => expression === exact[i]) || withinPostings(exact));
  }

  function firstPage(match: string, terms: Term[], visibility: Visibility): PageStart {
    const tooMany = () => hasTooManyMatches(match, visibility);
    const tooLong = () => !cheapToRank(terms);
    // Either makes a query too broad to rank, so the cheaper is asked first: the 2,000th-match probe stops where a
    // common word's count would read on, unless a prefix makes it read each prefix's written and stem sides together.
    const broad = terms.some((term) => term.kind === 'prefix') ? tooLong() || tooMany() : tooMany() || tooLong();
    return broad ? { order: 'newest', after_doc: Number.MAX_SAFE_INTEGER } : { order: 'ranked', after_rank: null, after_type: null, after_id: null };
  }

  return {
    search({ q, types, limit, cursor, visibility = everything }: SearchRequest): { results: SearchResult[]; nextCursor: string | null } {
      const terms = searchedTerms(parseQuery(q));
      const typed = new Set(types).size < searchTypes.length ? types : null;
      // The cursor is tied to the query, not to which of its terms it requires: that may change as records are written.
      const query = matchExpression(terms, typed);
      if (query === null) return { results: [], nextCursor: null };
      const required = requiredTerms(terms);
      const match = matchExpression(required, typed)!;
      const start = cursor === undefined ? firstPage(match, required, visibility) : pageStart(cursor, query);
      const hits =
        start.order === 'ranked'
          ? servedHits(ranked[visibility.audience].all({ rank_match: rankExpression(required), types: JSON.stringify(types), limit: limit + 1, ...start, ...visibilityValues(visibility) }))
          : servedHits(newest[visibility.audience].all({ match, limit: limit + 1, after_doc: start.after_doc, ...visibilityValues(visibility) })).map((hit) => ({ ...hit, rank: null }));
      const page = hits.slice(0, limit);
      const last = page.at(-1);
      const resume = (hit: Hit) => (hit.rank === null ? ['newest', hit.doc] : [hit.rank, hit.type, hit.id]);
      return {
        results: withContent(page, required),
        nextCursor: hits.length > limit && last ? encodeCursor([...resume(last), fingerprint(query)]) : null,
      };
    },
  };
}

export type Search = ReturnType<typeof createSearch>;
