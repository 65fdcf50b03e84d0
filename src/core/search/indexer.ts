import { and, eq, gt, sql } from 'drizzle-orm';
import { perDialect } from '../db/dialect.js';
import { insertRow, numberedInsert, type StatementExecutor, statement } from '../db/statements.js';
import { byResource } from '../resources/registry.js';
import type { WriteEvent } from '../resources/shared/repository.js';
import { normaliseArabic } from '../text/arabic.js';
import { rememberedPerWord } from '../text/remembered.js';
import { stemArabic } from '../text/stem.js';
import { wordTexts } from '../text/words.js';
import { readFields, type SearchField, sourceColumns } from './fields.js';
import type { IndexStatements, RecordEntries } from './index-statements.js';
import { indexOnPostgres, unindexOnPostgres } from './postgres-search.js';
import { type SearchType, searchSources, searchTypes } from './sources.js';
import { substringColumns } from './substrings.js';
import { searchDocuments, searchIndex, substringIndex } from './table.js';

const rememberedStem = rememberedPerWord(stemArabic);

/** The normalised words of some texts, in order. */
export const searchWords = (fields: SearchField[]): string[] => fields.flatMap((field) => wordTexts(normaliseArabic(field.text)));

/** The light stem of each word, in the same order. */
export const stemsOf = (words: string[]): string[] => words.map(rememberedStem);

/** The words and the stems of some texts, each as one space-separated string (what FTS5 indexes). */
export function analyse(fields: SearchField[]): { words: string; stems: string } {
  const all = searchWords(fields);
  return { words: all.join(' '), stems: stemsOf(all).join(' ') };
}

type Row = Record<string, unknown>;

/** A record's row of the full-text index, but its rowid: title fields and body fields as words and as stems. */
export function searchEntry(type: SearchType, row: Row) {
  const source = searchSources[type];
  const title = analyse(readFields(source.title, row));
  const body = analyse(readFields(source.body, row));
  return { type, title: title.words, title_stem: title.stems, body: body.words, body_stem: body.stems };
}

/** A record's row of the substring index, but its rowid: null for a column its type does not have. */
export const substringValues = (row: Row): Record<string, unknown> => Object.fromEntries(substringColumns.map((name) => [name, row[name] ?? null]));

/** A record's rows in both indices but the document's key: what an engine's batch or single-statement write binds. */
const recordEntries = (type: SearchType, row: Row): RecordEntries => ({ id: String(row.id), entry: searchEntry(type, row), substrings: substringValues(row) });

/** Whether two versions of a record give the same entries in both indices: the same searchable and substring texts. */
function indexedTextsEqual(type: SearchType, row: Row, previous: Row): boolean {
  const { title, body } = searchSources[type];
  const texts = (of: Row) => [...readFields(title, of), ...readFields(body, of)];
  const [now, before] = [texts(row), texts(previous)];
  return (
    now.length === before.length &&
    now.every((field, i) => field.path === before[i]!.path && field.text === before[i]!.text) &&
    substringColumns.every((name) => (row[name] ?? null) === (previous[name] ?? null))
  );
}

/*
 * The index's writes, written once for either engine (docs/postgresql.md, step 2) and run in a write's transaction on
 * its executor (`tx`): FTS5's tables on SQLite, the tables keyed by `search_documents` on PostgreSQL (under the same
 * column names, `rowid` included, so one statement serves both).
 */

const findDocument = statement
  .select({ doc: searchDocuments.doc_id })
  .from(searchDocuments)
  .where(and(eq(searchDocuments.record_id, sql.placeholder('id')), eq(searchDocuments.type, sql.placeholder('type'))));
// The key numbered by the engine: no RETURNING on SQLite (a statement with it takes a statement savepoint, and FTS5
// flushes its pending terms to a new segment at every savepoint: a segment per record), the insert's own on PostgreSQL.
const insertDocument = numberedInsert(insertRow(searchDocuments, ['type', 'record_id']), searchDocuments.doc_id);
const insertEntry = insertRow(searchIndex, ['rowid', 'type', 'title', 'title_stem', 'body', 'body_stem']);
const insertSubstrings = insertRow(substringIndex, ['rowid', ...substringColumns]);
/** A document's rows, its entries first (PostgreSQL's cascade would take them; FTS5's tables have no foreign key). */
const removals = [
  ...[searchIndex, substringIndex].map((table) => sql`delete from ${table} where ${table.rowid} = ${sql.placeholder('rowid')}`),
  sql`delete from ${searchDocuments} where ${searchDocuments.doc_id} = ${sql.placeholder('rowid')}`,
];

/** Removes a record's entries, in a write's transaction; nothing when it has none. */
export async function unindexRecord(tx: StatementExecutor, type: SearchType, id: string): Promise<void> {
  if (tx.dialect.name === 'postgres') return unindexOnPostgres(tx, type, id);
  const found = await tx.prepare(findDocument).get({ type, id });
  if (found) for (const removal of removals) await tx.prepare(removal).run({ rowid: found.doc });
}

/** Indexes a record that has no entry yet, in a write's transaction. */
export async function indexRecord(tx: StatementExecutor, type: SearchType, row: Row): Promise<void> {
  const entries = recordEntries(type, row);
  if (tx.dialect.name === 'postgres') return indexOnPostgres(tx, type, entries);
  const doc = await insertDocument(tx, { type, record_id: row.id });
  await tx.prepare(insertEntry).run({ rowid: doc, ...entries.entry });
  await tx.prepare(insertSubstrings).run({ rowid: doc, ...entries.substrings });
}

/**
 * Indexes a replaced record anew unless every text both indices hold of it is as before (a PATCH of its status
 * or summary): then no statement runs, since re-adding an unchanged document costs the write its analysis and
 * the commit a flush of all its terms to a new FTS5 segment, for the same index.
 */
export async function reindexRecord(tx: StatementExecutor, type: SearchType, row: Row & { id: string }, previous: Row): Promise<void> {
  if (indexedTextsEqual(type, row, previous)) return;
  await unindexRecord(tx, type, row.id);
  await indexRecord(tx, type, row);
}

/** Keeps the index in step with one write of a resource, in its transaction: each repository's `onWrite` listener. */
export function indexWrite(tx: StatementExecutor, type: SearchType, event: WriteEvent<{ id: string }>): Promise<void> {
  if (event.kind === 'delete') return unindexRecord(tx, type, event.id);
  if (event.kind === 'create') return indexRecord(tx, type, event.record);
  return reindexRecord(tx, type, event.record, event.previous);
}

/**
 * A page of the records of each type as the indexer reads it, in key order past `after`, its derived fields in the
 * engine's dialect: a rebuild holds one page at a time, so its memory does not grow with the data (reading every
 * article at once ran seed:synthetic out of heap at 1,000,000 articles).
 */
const recordsAfter = perDialect((dialect) =>
  byResource(({ name }) => {
    const source = searchSources[name];
    return statement
      .select(sourceColumns(source, dialect))
      .from(source.table)
      .where(gt(source.table.id, sql.placeholder('after')))
      .orderBy(source.table.id)
      .limit(sql.placeholder('limit'));
  }),
);

/** Records a rebuild reads and indexes at a time (`indexMany`'s batches too: its arrays of texts stay a few MB). */
const rebuildBatch = 1000;

/** Indexes records of one type that have no entry yet: one `indexMany` batch where the engine has it, else record by record. */
async function indexAll(tx: StatementExecutor, index: Pick<IndexStatements, 'indexMany'>, type: SearchType, rows: Row[]): Promise<void> {
  if (!index.indexMany) {
    for (const row of rows) await indexRecord(tx, type, row);
    return;
  }
  await index.indexMany(
    tx,
    type,
    rows.map((row) => recordEntries(type, row)),
  );
}

/**
 * Empties the index and indexes every record again, in one write's transaction, `batch` records at a time in key
 * order; `index` gives the engine's emptying (FTS5's `delete-all`, PostgreSQL's cascade) and its batches. The number
 * of records of each type.
 */
export async function rebuildIndex(tx: StatementExecutor, index: Pick<IndexStatements, 'emptied' | 'indexMany'>, batch = rebuildBatch): Promise<Record<SearchType, number>> {
  // A page of no records would never reach the end.
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`a rebuild reads a whole number of records at a time, at least 1, not ${batch}`);
  for (const emptying of index.emptied) await tx.prepare(emptying).run();
  const indexed = new Map<SearchType, number>();
  for (const type of searchTypes) {
    let count = 0;
    for (let after = ''; ; ) {
      const rows = await tx.prepare(recordsAfter(tx.dialect)[type]).all({ after, limit: batch });
      if (rows.length > 0) await indexAll(tx, index, type, rows);
      count += rows.length;
      if (rows.length < batch) break;
      after = String(rows.at(-1)!.id);
    }
    indexed.set(type, count);
  }
  return byResource(({ name }) => indexed.get(name) ?? 0);
}
