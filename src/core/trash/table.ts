import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** A row that referenced a trashed record (another record's link, a mention, a provenance record), as it was: the table's name, the referencing column, the row. */
export interface KeptLink {
  table: string;
  column: string;
  row: Record<string, unknown>;
  /** For a mention or a quote: the revision of the article whose text its span indexes (see spans.ts). */
  textRevision?: number;
}

/**
 * The records a DELETE moved out of their tables, until a restore puts them back or a purge erases them. The
 * record's content is its last revision (the delete's); this row keeps what a revision does not: the link rows
 * of other records, the mentions and the provenance that went with it (`links`), so that a restore can bring them back.
 */
export const trash = sqliteTable(
  'trash',
  {
    resource: text().notNull(),
    record_id: text().notNull(),
    slug: text().notNull(),
    /** The version the record had: a purge's event names it. */
    version: integer().notNull(),
    trashed_at: text().notNull(),
    writer: text().notNull(),
    links: text({ mode: 'json' }).$type<KeptLink[]>().notNull(),
  },
  // One index serves the listing (newest first per resource) and the retention purge (oldest first per resource).
  (t) => [primaryKey({ columns: [t.resource, t.record_id] }), index('trash_trashed_at_idx').on(t.resource, t.trashed_at, t.record_id)],
);
