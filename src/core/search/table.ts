import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/*
 * Query-builder handles for the search tables. They are created by the custom migrations
 * 0004_search_index.sql and 0008_substring_index.sql (drizzle-kit cannot express an FTS5 table), so drizzle.config.ts
 * deliberately does not list this file: drizzle-kit must not try to create them a second time.
 */

/** Which record each row of the full-text index stands for. */
export const searchDocuments = sqliteTable(
  'search_documents',
  {
    doc_id: integer().primaryKey(),
    type: text().notNull(),
    record_id: text().notNull(),
  },
  // As 0004 created it; declared so that PostgreSQL's table (db/postgres-tables.ts) has it too.
  (t) => [uniqueIndex('search_documents_record_idx').on(t.record_id, t.type)],
);

/** The FTS5 table: `*_stem` columns hold light stems, the others the normalised words. */
export const searchIndex = sqliteTable('search_index', {
  rowid: integer().primaryKey(),
  type: text().notNull(),
  title: text().notNull(),
  title_stem: text().notNull(),
  body: text().notNull(),
  body_stem: text().notNull(),
});

/**
 * The FTS5 trigram table behind the list filter `contains` (migration 0008), keyed like the full-text index
 * by `search_documents`: one column for each text column a list filters, null where a record has none.
 */
export const substringIndex = sqliteTable('substring_index', {
  rowid: integer().primaryKey(),
  slug: text(),
  title: text(),
  name: text(),
  language: text(),
  country: text(),
});
