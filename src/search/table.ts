import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/*
 * Query-builder handles for the search tables. They are created by the custom migration
 * 0001_search_index.sql (drizzle-kit cannot express an FTS5 table), so they are deliberately not
 * exported from db/schema.ts: drizzle-kit must not try to create them a second time.
 */

/** Which record each row of the full-text index stands for. */
export const searchDocuments = sqliteTable('search_documents', {
  doc_id: integer().primaryKey(),
  type: text().notNull(),
  record_id: text().notNull(),
});

/** The FTS5 table: `*_stem` columns hold light stems, the others the normalised words. */
export const searchIndex = sqliteTable('search_index', {
  rowid: integer().primaryKey(),
  type: text().notNull(),
  title: text().notNull(),
  title_stem: text().notNull(),
  body: text().notNull(),
  body_stem: text().notNull(),
});
