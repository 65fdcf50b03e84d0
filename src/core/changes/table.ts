import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * What a change did to a record. A DELETE is `trashed` (it moves the record to the trash), a restore from
 * the trash or of a revision `restored`, a purge from the trash `purged` (core/trash); `published` and
 * `unpublished` are an article's status changes (changes/store.ts).
 */
export const changeActions = ['created', 'updated', 'published', 'unpublished', 'trashed', 'restored', 'purged'] as const;
export type ChangeAction = (typeof changeActions)[number];

/**
 * The change feed: one row per committed change, appended inside the change's transaction. AUTOINCREMENT:
 * a seq is never given twice, even if old events are one day pruned; the counter rolls back with a failed
 * write, so the committed seqs have no gaps.
 */
export const changes = sqliteTable('changes', {
  seq: integer().primaryKey({ autoIncrement: true }),
  resource: text().notNull(),
  record_id: text().notNull(),
  action: text({ enum: changeActions }).notNull(),
  /** The record's version after the change (the version it had, for a delete). */
  version: integer().notNull(),
  at: text().notNull(),
});
