import { blob, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const revisionActions = ['create', 'update', 'delete', 'restore'] as const;
export type RevisionAction = (typeof revisionActions)[number];

/**
 * Every stored state of every record, numbered 1, 2, … per record. No foreign key: a deleted record's
 * revisions stay, so that it can be read and restored. WITHOUT ROWID, clustered on its key (migration 0024):
 * drizzle-kit cannot declare that, so a rebuild of it must keep it.
 */
export const revisions = sqliteTable(
  'revisions',
  {
    resource: text().notNull(),
    record_id: text().notNull(),
    n: integer().notNull(),
    action: text({ enum: revisionActions }).notNull(),
    /**
     * The record as a GET answered it after the change (before it, for a delete), without the fields a read
     * computes, as deflated JSON: a snapshot is read rarely and never searched (migration 0015). A row written
     * before 0015 holds the whole record as JSON text, and is read as it is.
     */
    snapshot: blob({ mode: 'buffer' }).notNull(),
    /**
     * True on the newest revision of a record that exists: its snapshot holds only the record's relation lists
     * (which other records' writes change), and the record's row holds the rest, as it was written, until the
     * next write, which stores this snapshot whole (migration 0017).
     */
    relations_only: integer({ mode: 'boolean' }).notNull().default(false),
    writer: text().notNull(),
    at: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.resource, t.record_id, t.n] })],
);
