import type { SQL } from 'drizzle-orm';
import type { Bindings, Query, StatementExecutor } from '../db/statements.js';
import type { Audience } from '../list/visibility.js';
import type { Term } from './query.js';

/*
 * What search asks of its index, the one part of it each engine writes its own way (FTS5's MATCH and BM25 on
 * SQLite, tsvectors and ts_rank_cd on PostgreSQL): each method gives a statement and its values, which search.ts
 * prepares on a read executor as used `once` (PostgreSQL's text follows the terms: kept, their shapes would pile up
 * on every pooled connection; FTS5's is one statement whatever the terms, which SQLite keeps anyway). Everything else (the decisions, the remembered counts, cursors, rows, snippets) is
 * search.ts's and required-terms.ts's, on both engines.
 */

/** A statement and the values of its placeholders. */
type Bound<Row> = readonly [Query<Row>, Bindings];

/** The types (search types, resource names) a query is restricted to; null for every type. */
export type Types = readonly string[] | null;

/** An index entry a query found: a record of a type, its rank (lower is better; null: newest first) and its entry number. */
export interface HitRow {
  type: string;
  id: string;
  rank: number | null;
  doc: number;
}

/** A record's rows in both indices but the document's key, as the indexer derives them (indexer.ts, `searchEntry`, `substringValues`). */
export interface RecordEntries {
  id: string;
  entry: { title: string; title_stem: string; body: string; body_stem: string };
  substrings: Record<string, unknown>;
}

/** Where a ranked page ended: the last hit's rank, type and id. */
export interface RankedAfter {
  rank: number;
  type: string;
  id: string;
}

export interface IndexStatements {
  /** How many of the newest `most` records hold a term's cheaper part (`termLowerBounds`), and the oldest one's entry number. */
  sample(term: Term, most: number): Bound<{ records: number; oldest: number | null }>;
  /** How many records hold what a term requires (`lower`: its cheaper part), counted up to `most`. */
  holding(term: Term, side: 'lower' | 'exact', most: number): Bound<{ records: number }>;
  /** The entry of match number `offset + 1` of some terms, newest first, among the records `audience` sees; none when fewer match. */
  nthMatch(terms: Term[], types: Types, audience: Audience, offset: number): Bound<{ doc: number }>;
  /** A page of the matches in rank order (then type, id), past `after`. */
  ranked(terms: Term[], types: readonly string[], audience: Audience, after: RankedAfter | null, limit: number): Bound<HitRow>;
  /** A page of the matches newest first, entries below `before`. */
  newest(terms: Term[], types: Types, audience: Audience, before: number, limit: number): Bound<HitRow>;
  /** The statements that empty the index (documents and both entries) in a write's transaction, before a rebuild indexes every record again. */
  emptied: readonly SQL[];
  /**
   * Indexes records of one type that have no entry yet, many to a statement, in a write's transaction: a rebuild's
   * batches on PostgreSQL, where a statement per record is a round trip per record. Without it (SQLite, in process)
   * the rebuild indexes each record as a write does.
   */
  indexMany?(tx: StatementExecutor, type: string, records: readonly RecordEntries[]): Promise<void>;
  /** What a rebuild leaves for the index to finish, in writes of its own (`write`): FTS5's merges; nothing on PostgreSQL. */
  finishRebuild?(write: <T>(body: (tx: StatementExecutor) => Promise<T>) => Promise<T>): Promise<void>;
}
