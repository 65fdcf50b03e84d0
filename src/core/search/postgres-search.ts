import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import { type StatementExecutor, statement, unqualified } from '../db/statements.js';
import type { Audience } from '../list/visibility.js';
import type { IndexStatements, RankedAfter, RecordEntries, Types } from './index-statements.js';
import { postgresMatch, postgresRank } from './postgres-query.js';
import { postgresTerms } from './postgres-terms.js';
import type { Term } from './query.js';
import { substringColumns } from './substrings.js';
import { searchDocuments, searchIndex, substringIndex } from './table.js';
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

/*
 * A rebuild's batches: each table's rows of many records in one statement, every text bound in an array (`unnest`),
 * so a rebuild costs three round trips per batch rather than four per record. The documents are numbered by the
 * identity sequence in the records' order, as one insert per record numbers them.
 */
const names = (columns: readonly string[]) =>
  sql.join(
    columns.map((name) => sql.identifier(name)),
    sql`, `,
  );
/** Each column's placeholder cast to `cast` (`text`, `text[]`), its name after `prefix`. */
const castPlaceholders = (columns: readonly string[], cast: 'text' | 'text[]', prefix = '') =>
  sql.join(
    columns.map((name) => sql`${sql.placeholder(prefix + name)}::${sql.raw(cast)}`),
    sql`, `,
  );
const entryColumns = ['title', 'title_stem', 'body', 'body_stem'] as const;

const insertDocuments = sql<{ doc: number; id: string }>`insert into ${searchDocuments} (${unqualified(searchDocuments.type)}, ${unqualified(searchDocuments.record_id)})
  select ${sql.placeholder('type')}::text, ${sql.identifier('id')} from unnest(${sql.placeholder('ids')}::text[]) with ordinality as ${sql.identifier('given')} (${names(['id', 'n'])})
  order by ${sql.identifier('n')}
  returning ${unqualified(searchDocuments.doc_id)} as ${sql.identifier('doc')}, ${unqualified(searchDocuments.record_id)} as ${sql.identifier('id')}`;
const insertEntries = sql`insert into ${searchIndex} (${names(['rowid', 'type', ...entryColumns])})
  select ${sql.identifier('doc')}, ${sql.placeholder('type')}::text, ${names(entryColumns)}
  from unnest(${sql.placeholder('docs')}::bigint[], ${castPlaceholders(entryColumns, 'text[]')}) as ${sql.identifier('given')} (${names(['doc', ...entryColumns])})`;
const insertSubstrings = sql`insert into ${substringIndex} (${names(['rowid', ...substringColumns])})
  select * from unnest(${sql.placeholder('docs')}::bigint[], ${castPlaceholders(substringColumns, 'text[]')})`;

/** The values of some columns of each record, a bound array per column. */
const arraysOf = (columns: readonly string[], records: readonly Record<string, unknown>[]) => Object.fromEntries(columns.map((column) => [column, records.map((record) => record[column] ?? null)]));

async function indexMany(tx: StatementExecutor, type: string, records: readonly RecordEntries[]): Promise<void> {
  const numbered = await tx.prepare(insertDocuments).all({ type, ids: records.map((record) => record.id) });
  const docOf = new Map(numbered.map(({ doc, id }) => [id, doc]));
  const docs = records.map((record) => docOf.get(record.id));
  await tx.prepare(insertEntries).run({
    type,
    docs,
    ...arraysOf(
      entryColumns,
      records.map((record) => record.entry),
    ),
  });
  await tx.prepare(insertSubstrings).run({
    docs,
    ...arraysOf(
      substringColumns,
      records.map((record) => record.substrings),
    ),
  });
}

/*
 * A write's index statements on PostgreSQL: a record's document and both entries in one statement (a data-modifying
 * `with`), and removing the document removes its entries (the foreign keys cascade). Each statement is a round trip
 * inside a write, which on PostgreSQL holds the change feed's lock (docs/performance.md, "The third full bench, and
 * what holds a PostgreSQL write"). The substring columns' placeholders are prefixed, since the entry has a `title` too.
 */
const document = sql.identifier('document');
const docId = unqualified(searchDocuments.doc_id);
const insertRecord = sql`with ${document} as (insert into ${searchDocuments} (${names(['type', 'record_id'])}) values (${sql.placeholder('type')}, ${sql.placeholder('id')}) returning ${docId}),
  ${sql.identifier('entry')} as (insert into ${searchIndex} (${names(['rowid', 'type', ...entryColumns])}) select ${docId}, ${sql.placeholder('type')}::text, ${castPlaceholders(entryColumns, 'text')} from ${document})
  insert into ${substringIndex} (${names(['rowid', ...substringColumns])}) select ${docId}, ${castPlaceholders(substringColumns, 'text', 'substring_')} from ${document}`;
const deleteRecord = sql`delete from ${searchDocuments} where ${eq(searchDocuments.record_id, sql.placeholder('id'))} and ${eq(searchDocuments.type, sql.placeholder('type'))}`;

/** Indexes a record that has no entry yet, in a write's transaction: one statement. */
export async function indexOnPostgres(tx: StatementExecutor, type: string, { id, entry, substrings }: RecordEntries): Promise<void> {
  const prefixed = Object.fromEntries(Object.entries(substrings).map(([name, value]) => [`substring_${name}`, value]));
  await tx.prepare(insertRecord).run({ type, id, ...entry, ...prefixed });
}

/** Removes a record's document and, by cascade, its entries, in a write's transaction; nothing when it has none. */
export async function unindexOnPostgres(tx: StatementExecutor, type: string, id: string): Promise<void> {
  await tx.prepare(deleteRecord).run({ type, id });
}

export const postgresIndex: IndexStatements = {
  ...postgresTerms,
  // Deleting the documents deletes their entries (the foreign keys cascade).
  emptied: [sql`delete from ${searchDocuments}`],
  indexMany,
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
