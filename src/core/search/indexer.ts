import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { byResource } from '../resources/registry.js';
import type { WriteEvent } from '../resources/shared/repository.js';
import { normaliseArabic } from '../text/arabic.js';
import { rememberedPerWord } from '../text/remembered.js';
import { stemArabic } from '../text/stem.js';
import { wordTexts } from '../text/words.js';
import { readFields, type SearchField, sourceColumns } from './fields.js';
import { type SearchType, searchSources } from './sources.js';
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

/** A bound on the merge steps after a rebuild, far above what a large database needs (docs/performance.md). */
const maxMergeSteps = 10_000;

/** Writes and removes index entries; every call runs inside the caller's transaction. */
export function searchIndexer(db: Db) {
  const placeholder = sql.placeholder;
  const findDocument = db
    .select({ doc_id: searchDocuments.doc_id })
    .from(searchDocuments)
    .where(and(eq(searchDocuments.record_id, placeholder('id')), eq(searchDocuments.type, placeholder('type'))))
    .prepare();
  // No RETURNING: a statement with it takes a statement savepoint, and FTS5 flushes its pending terms to a
  // new segment at every savepoint, so each record written in a batch would get a segment of its own.
  const insertDocument = db
    .insert(searchDocuments)
    .values({ type: placeholder('type'), record_id: placeholder('id') })
    .prepare();
  const deleteDocument = db
    .delete(searchDocuments)
    .where(eq(searchDocuments.doc_id, placeholder('doc')))
    .prepare();
  const insertEntry = db
    .insert(searchIndex)
    .values({
      rowid: placeholder('doc'),
      type: placeholder('type'),
      title: placeholder('title'),
      title_stem: placeholder('title_stem'),
      body: placeholder('body'),
      body_stem: placeholder('body_stem'),
    })
    .prepare();
  const deleteEntry = db
    .delete(searchIndex)
    .where(eq(searchIndex.rowid, placeholder('doc')))
    .prepare();
  const insertSubstrings = db
    .insert(substringIndex)
    .values({ rowid: placeholder('doc'), ...Object.fromEntries(substringColumns.map((name) => [name, placeholder(name)])) })
    .prepare();
  const deleteSubstrings = db
    .delete(substringIndex)
    .where(eq(substringIndex.rowid, placeholder('doc')))
    .prepare();

  const documentOf = (type: SearchType, id: string) => findDocument.get({ id, type })?.doc_id;

  function remove(type: SearchType, id: string) {
    const doc = documentOf(type, id);
    if (doc === undefined) return;
    deleteEntry.run({ doc });
    deleteSubstrings.run({ doc });
    deleteDocument.run({ doc });
  }

  const totalChanges = () => db.get<{ n: number }>(sql`select total_changes() as n`).n;

  /** The FTS5 tables this indexer writes: the full-text index and the substring index behind `contains`. */
  const ftsTables = [searchIndex, substringIndex] as const;

  /** Runs FTS5 merge steps of up to 500 pages, each in its own transaction, until one finds nothing left to do. */
  function finishMerges(index: (typeof ftsTables)[number]) {
    for (let step = 0; step < maxMergeSteps; step++) {
      const before = totalChanges();
      db.run(sql`insert into ${index} (${index}, rank) values ('merge', 500)`);
      // FTS5's documented test for "no work done": the change count moved by less than two.
      if (totalChanges() - before < 2) return;
    }
  }

  /** Indexes a record that has no entry yet. */
  function add(type: SearchType, row: Row) {
    const doc = Number(insertDocument.run({ type, id: row.id }).lastInsertRowid);
    insertEntry.run({ doc, ...searchEntry(type, row) });
    insertSubstrings.run({ doc, ...substringValues(row) });
  }

  /** Indexes a record anew, whether or not it has an entry. */
  function put(type: SearchType, row: Row) {
    remove(type, row.id as string);
    add(type, row);
  }

  /**
   * Indexes a replaced record anew unless every text both indices hold of it is as before (a PATCH of its status
   * or summary): re-adding an unchanged document costs the write its analysis and the commit a flush of all its
   * terms to a new FTS5 segment, for the same index.
   */
  function replace(type: SearchType, row: Row, previous: Row) {
    if (indexedTextsEqual(type, row, previous)) return;
    put(type, row);
  }

  return {
    /** Keeps the index in step with one resource's writes. */
    follow(type: SearchType) {
      return (event: WriteEvent<{ id: string }>) => {
        if (event.kind === 'delete') remove(type, event.id);
        else if (event.kind === 'create') add(type, event.record);
        else replace(type, event.record, event.previous);
      };
    },
    /**
     * Empties both indices and indexes every record again, in one transaction, then finishes the merges the load
     * left in progress, so the next writes need not: left to them, the merges make those writes slow and the
     * WAL large. `optimize` (one segment) would also do, but its long doclists cost search memory (docs/performance.md).
     */
    rebuild(): Record<SearchType, number> {
      const counts = db.transaction(() => {
        db.delete(searchDocuments).run();
        for (const index of ftsTables) db.run(sql`insert into ${index} (${index}) values ('delete-all')`);
        return byResource(({ name }) => {
          const rows = db.select(sourceColumns(searchSources[name])).from(searchSources[name].table).all();
          for (const row of rows) add(name, row);
          return rows.length;
        });
      });
      ftsTables.forEach(finishMerges);
      return counts;
    },
  };
}
