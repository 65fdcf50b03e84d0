import { createHash } from 'node:crypto';
import { and, getTableColumns, sql } from 'drizzle-orm';
import { z } from 'zod';
import { memoAtStamp } from '../db/change-stamp.js';
import type { Dialect } from '../db/dialect.js';
import { type StatementExecutor, statement } from '../db/statements.js';
import { KhabarError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../list/cursor.js';
import { type Audience, everything, memoFits, perAudience, type Visibility, visibilityValues } from '../list/visibility.js';
import { type AnyResource, byResource } from '../resources/registry.js';
import { inIdList } from '../resources/shared/relations.js';
import { type FieldReader, fieldColumn, readFields } from './fields.js';
import type { HitRow, IndexStatements, RankedAfter, Types } from './index-statements.js';
import { matchExpression, parseQuery, searchedTerms, type Term } from './query.js';
import { rememberedCounts, requiredTermsOn } from './required-terms.js';
import { makeSnippet, type Snippet, snippetSourceLength } from './snippet.js';
import { isSearchType, type SearchType, searchSources, searchTypes } from './sources.js';

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

type PageStart = { order: 'ranked'; after: RankedAfter | null } | { order: 'newest'; before: number };

const firstRanked: PageStart = { order: 'ranked', after: null };
const firstNewest: PageStart = { order: 'newest', before: Number.MAX_SAFE_INTEGER };

function pageStart(cursor: string, match: string): PageStart {
  const decoded = decodeCursor(cursor);
  const ranked = rankedCursor.safeParse(decoded);
  if (ranked.success && ranked.data[3] === fingerprint(match)) {
    const [rank, type, id] = ranked.data;
    return { order: 'ranked', after: { rank, type, id } };
  }
  const newest = newestCursor.safeParse(decoded);
  if (newest.success && newest.data[2] === fingerprint(match)) return { order: 'newest', before: newest.data[1] };
  throw new KhabarError('validation_failed', 'cursor is not one this API issued for this query', [{ path: 'querystring.cursor', message: 'use meta.next_cursor of the same query' }]);
}

type Hit = { type: SearchType; id: string; rank: number | null; doc: number };

/** The hits of a type this server serves: the indexer writes only resource names, so in practice none is left out. */
const servedHits = (rows: HitRow[]): Hit[] =>
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

/**
 * The rows of some records of one type by id, with only the columns a result shows, and of a body text only the
 * start a snippet can show: reading five imported reports of 800 KB whole cost a page of results more than all its
 * other work. A derived body text is read from the start of what it derives from where it can (`whole` false),
 * since deriving it whole costs as much. The public's rows are only those it sees, by the rule its hits were found
 * under: a record hidden by a commit between the index's statement and this one is then left out, not shown.
 */
function rowsById(resource: AnyResource, whole: boolean, dialect: Dialect, audience: Audience) {
  const source = searchSources[resource.name];
  const { table, label, title, body } = source;
  const columns = getTableColumns(table);
  const column = (read: FieldReader) => fieldColumn(source, read, dialect);
  const shown = [...['id', 'slug', label].map((key) => [key, columns[key]!] as const), ...title.map((read) => [read.column, column(read)] as const)];
  const start = (read: FieldReader) => (read.start && !whole ? read.start.stored(snippetSourceLength, dialect) : sql`substr(${column(read)}, 1, ${snippetSourceLength})`);
  const bodies = body.map((read) => [read.column, read.text ? start(read) : column(read)] as const);
  const visibleWhen = audience === 'public' ? resource.list.visibleWhen : undefined;
  return statement
    .select(Object.fromEntries([...shown, ...bodies]))
    .from(table)
    .where(and(inIdList(table.id, 'ids', dialect), visibleWhen));
}

type SearchOptions = { rankLimit?: number; rankPostings?: number } & Parameters<typeof requiredTermsOn>[3];

/**
 * Search over every resource on a read executor, either engine: ranked ids from the engine's index (`index`), then
 * each type's rows by primary key, and snippets cut here from their text. What it counts is remembered until `stamp`
 * moves (the engine's change stamp).
 */
export function createSearch(
  reads: StatementExecutor,
  index: IndexStatements,
  stamp: () => string,
  { rankLimit = rankedMatchesLimit, rankPostings = rankedPostingsLimit, ...required }: SearchOptions = {},
) {
  const requiredTerms = requiredTermsOn(reads, index, stamp, required);
  const rowsOf = byResource((resource) => perAudience((audience) => reads.prepare(rowsById(resource, false, reads.dialect, audience))));
  /** Rows with their derived body texts read whole, for the types that read one from its start. */
  const wholeRowsOf = byResource((resource) =>
    searchSources[resource.name].body.some((read) => read.start) ? perAudience((audience) => reads.prepare(rowsById(resource, true, reads.dialect, audience))) : null,
  );

  /** A row with the start of each derived body text read from what it derives from; null where that holds too little. */
  function withBodyStarts(type: SearchType, row: Row): Row | null {
    const starts = searchSources[type].body.flatMap((read) =>
      read.start && typeof row[read.column] === 'string' ? [[read.column, read.start.text(textOf(row, read.column), snippetSourceLength)] as const] : [],
    );
    return starts.some(([, text]) => text === null) ? null : { ...row, ...Object.fromEntries(starts) };
  }

  /** The rows of some records of one type, by id: from the starts of their stored texts, else (rarely) whole. */
  async function rowsOfType(type: SearchType, ids: string[], visibility: Visibility): Promise<Row[]> {
    const { audience } = visibility;
    const rows = (await rowsOf[type][audience].all({ ids: JSON.stringify(ids), ...visibilityValues(visibility) })).map((row) => ({ id: textOf(row, 'id'), row: withBodyStarts(type, row) }));
    const unread = rows.filter(({ row }) => row === null).map(({ id }) => id);
    const read = rows.flatMap(({ row }) => (row === null ? [] : [row]));
    return unread.length === 0 ? read : [...read, ...((await wholeRowsOf[type]?.[audience].all({ ids: JSON.stringify(unread), ...visibilityValues(visibility) })) ?? [])];
  }

  async function withContent(hits: Hit[], terms: Term[], visibility: Visibility): Promise<SearchResult[]> {
    const rows = new Map<string, Row>();
    for (const type of new Set(hits.map((hit) => hit.type))) {
      const ids = hits.filter((hit) => hit.type === type).map((hit) => hit.id);
      for (const row of await rowsOfType(type, ids, visibility)) rows.set(textOf(row, 'id'), row);
    }
    // A record deleted, or hidden from this reader, between the index query and this read has no row: its hit is left out.
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

  const termCounts = memoAtStamp<{ records: number; most: number }>(stamp, rememberedCounts);
  const broadMatches = memoAtStamp<boolean>(stamp, rememberedCounts);

  /** How many records hold a term, counted up to `most`: remembered with the bound it was counted to, which a count that stopped short of is exact. */
  async function recordsUpTo(counted: ReturnType<typeof termCounts>, term: Term, side: 'lower' | 'exact', most: number): Promise<number> {
    const key = `${side} ${JSON.stringify(term)}`;
    const known = counted.get(key);
    if (known !== undefined && (known.records < known.most || most <= known.most)) return Math.min(known.records, most);
    const [query, bindings] = index.holding(term, side, most);
    const records = (await reads.prepare(query, 'once').get(bindings))?.records ?? 0;
    counted.set(key, { records, most });
    return records;
  }

  /** Whether the records holding each term (`lower`: its cheaper part) add up to at most `rankPostings`, counted one by one until they do not. */
  async function withinPostings(terms: Term[], side: 'lower' | 'exact'): Promise<boolean> {
    const counted = termCounts();
    let left = rankPostings;
    for (const term of terms) {
      left -= await recordsUpTo(counted, term, side, left + 1);
      if (left < 0) return false;
    }
    return true;
  }

  /** Whether there is a match number `rankLimit` among the records `audience` sees. */
  async function hasNthMatch(terms: Term[], types: Types, visibility: Visibility): Promise<boolean> {
    const [query, bindings] = index.nthMatch(terms, types, visibility.audience, rankLimit - 1);
    return (await reads.prepare(query, 'once').get({ ...bindings, ...visibilityValues(visibility) })) !== undefined;
  }

  /**
   * Whether some terms have a match number `rankLimit` among the records the reader sees (a public reader's
   * decision must not tell it that hidden ones exist): remembered until the database changes, or for the public
   * until the next scheduled publication (part of the key) when the schedule was read at the memo's stamp.
   */
  async function hasTooManyMatches(terms: Term[], types: Types, visibility: Visibility): Promise<boolean> {
    const remembered = broadMatches();
    const probed = memoFits(visibility, remembered.stamp) ? remembered : undefined;
    const match = matchExpression(terms, types);
    const key = visibility.audience === 'public' ? `public ${visibility.nextPublication} ${match}` : `all ${match}`;
    let broad = probed?.get(key);
    if (broad === undefined) {
      broad = (await hasNthMatch(terms, types, everything)) && (visibility.audience === 'all' || (await hasNthMatch(terms, types, visibility)));
      probed?.set(key, broad);
    }
    return broad;
  }

  /**
   * Whether the posting lists the ranking would read add up to at most `rankPostings`. Cheaper lower bounds are counted
   * first: a query with a broad prefix is found too broad without the index merging the words its written side starts.
   */
  const cheapToRank = async (terms: Term[]) => (await withinPostings(terms, 'lower')) && (terms.every((term) => term.kind !== 'prefix') || (await withinPostings(terms, 'exact')));

  async function tooBroad(terms: Term[], types: Types, visibility: Visibility): Promise<boolean> {
    const tooMany = () => hasTooManyMatches(terms, types, visibility);
    const tooLong = async () => !(await cheapToRank(terms));
    // Either makes a query too broad to rank, so the cheaper is asked first: the 2,000th-match probe stops where a
    // common word's count would read on, unless a prefix makes it read each prefix's written and stem sides together.
    return terms.some((term) => term.kind === 'prefix') ? (await tooLong()) || tooMany() : (await tooMany()) || tooLong();
  }

  return {
    async search({ q, types, limit, cursor, visibility = everything }: SearchRequest): Promise<{ results: SearchResult[]; nextCursor: string | null }> {
      const terms = searchedTerms(parseQuery(q));
      const typed = new Set(types).size < searchTypes.length ? types : null;
      // The cursor is tied to the query, not to which of its terms it requires: that may change as records are written.
      const query = matchExpression(terms, typed);
      if (query === null) return { results: [], nextCursor: null };
      const required = await requiredTerms(terms);
      const start = cursor !== undefined ? pageStart(cursor, query) : (await tooBroad(required, typed, visibility)) ? firstNewest : firstRanked;
      const audience = visibility.audience;
      const page = start.order === 'ranked' ? index.ranked(required, types, audience, start.after, limit + 1) : index.newest(required, typed, audience, start.before, limit + 1);
      const hits = servedHits(await reads.prepare(page[0], 'once').all({ ...page[1], ...visibilityValues(visibility) }));
      const shown = hits.slice(0, limit);
      const last = shown.at(-1);
      const resume = (hit: Hit) => (hit.rank === null ? ['newest', hit.doc] : [hit.rank, hit.type, hit.id]);
      return {
        results: await withContent(shown, required, visibility),
        nextCursor: hits.length > limit && last ? encodeCursor([...resume(last), fingerprint(query)]) : null,
      };
    },
  };
}

export type Search = ReturnType<typeof createSearch>;
