import { and, eq, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/database.js';
import type { WriteEvent } from '../resources/shared/repository.js';
import { normaliseArabic } from '../text/arabic.js';
import { stemArabic, wordTexts } from '../text/stem.js';
import { readFields, searchSources, searchTypes, type SearchField, type SearchType } from './sources.js';
import { searchDocuments, searchIndex } from './table.js';

/**
 * Stems of the words seen so far: an archive's vocabulary is small next to its text, so most words of a new
 * record were stemmed before. Bounded: emptied when full.
 */
const stemOf = new Map<string, string>();
const maxRememberedStems = 20_000;

function rememberedStem(word: string): string {
  let stem = stemOf.get(word);
  if (stem === undefined) {
    if (stemOf.size >= maxRememberedStems) stemOf.clear();
    stem = stemArabic(word);
    stemOf.set(word, stem);
  }
  return stem;
}

/** The words and the stems of some texts, each as one space-separated string (what FTS5 indexes). */
export function analyse(fields: SearchField[]): { words: string; stems: string } {
  const all = fields.flatMap((field) => wordTexts(normaliseArabic(field.text)));
  return { words: all.join(' '), stems: all.map(rememberedStem).join(' ') };
}

type Row = Record<string, unknown>;

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
  const insertDocument = db.insert(searchDocuments).values({ type: placeholder('type'), record_id: placeholder('id') }).prepare();
  const deleteDocument = db.delete(searchDocuments).where(eq(searchDocuments.doc_id, placeholder('doc'))).prepare();
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
  const deleteEntry = db.delete(searchIndex).where(eq(searchIndex.rowid, placeholder('doc'))).prepare();

  const documentOf = (type: SearchType, id: string) => (findDocument.get({ id, type }) as { doc_id: number } | undefined)?.doc_id;

  function remove(type: SearchType, id: string) {
    const doc = documentOf(type, id);
    if (doc === undefined) return;
    deleteEntry.run({ doc });
    deleteDocument.run({ doc });
  }

  /** Indexes a record that has no entry yet. */
  function add(type: SearchType, row: Row) {
    const source = searchSources[type];
    const title = analyse(readFields(source.title, row));
    const body = analyse(readFields(source.body, row));
    const doc = Number(insertDocument.run({ type, id: row.id }).lastInsertRowid);
    insertEntry.run({ doc, type, title: title.words, title_stem: title.stems, body: body.words, body_stem: body.stems });
  }

  /** Indexes a record anew, whether or not it has an entry. */
  function put(type: SearchType, row: Row) {
    remove(type, row.id as string);
    add(type, row);
  }

  return {
    /** Keeps the index in step with one resource's writes. */
    follow(type: SearchType) {
      return (event: WriteEvent<{ id: string }>) => {
        if (event.kind === 'delete') remove(type, event.id);
        else if (event.kind === 'create') add(type, event.record);
        else put(type, event.record);
      };
    },
    /**
     * Empties the index and indexes every record again, in one transaction, then merges the index into one
     * segment. Left as the load wrote it (some twenty segments at 100,000 articles), the first writes after a
     * rebuild merged the large ones: a single write took half a second and grew the WAL to 46 MB.
     */
    rebuild(): Record<SearchType, number> {
      const counts = db.transaction(() => {
        db.delete(searchDocuments).run();
        db.run(sql`insert into search_index (search_index) values ('delete-all')`);
        const indexed = {} as Record<SearchType, number>;
        for (const type of searchTypes) {
          const rows = db.select().from(searchSources[type].table as SQLiteTable).all() as Row[];
          for (const row of rows) add(type, row);
          indexed[type] = rows.length;
        }
        return indexed;
      });
      db.run(sql`insert into search_index (search_index) values ('optimize')`);
      return counts;
    },
  };
}

export type SearchIndexer = ReturnType<typeof searchIndexer>;
