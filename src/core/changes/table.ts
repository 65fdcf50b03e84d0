import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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

/**
 * The scheduled publications not yet announced: an article that is `published` with its `published_at` ahead of
 * the moment it was written, until that time comes and the feed gets its `published` event (changes/publications.ts).
 * Its write's listener keeps the row in step with the article; no foreign key, so a delete's listener still finds
 * the row of a publication that came due just before it and announces it first.
 */
export const scheduledPublications = sqliteTable(
  'scheduled_publications',
  {
    article_id: text().primaryKey(),
    due_at: text().notNull(),
  },
  (t) => [index('scheduled_publications_due_idx').on(t.due_at, t.article_id)],
);
