import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, type SQLiteColumn, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { recordColumns } from '../../db/columns.js';
import { type Dialect, sqliteDialect } from '../../db/dialect.js';
import { meetings } from '../meetings/table.js';
import { organisations } from '../organisations/table.js';
import { people } from '../people/table.js';

export const blockTypes = ['heading', 'paragraph'] as const;

/** An article's publication state: only `published` ones are public, from their `published_at` on (see publication.ts). */
export const articleStatuses = ['draft', 'published', 'archived'] as const;
/**
 * The part of the public rule an index holds: a literal, not a bound value, so that SQLite sees a statement
 * that says it implies the partial indexes' condition.
 */
const published = sql`status = 'published'`;
export interface Block {
  type: (typeof blockTypes)[number];
  text: string;
}

export const articles = sqliteTable(
  'articles',
  {
    ...recordColumns(),
    title: text().notNull(),
    language: text().notNull(),
    summary: text(),
    body: text({ mode: 'json' }).$type<Block[]>().notNull(),
    source: text(),
    published_at: text(),
    // Existing rows, and writes that leave it out, are published: what every article was before drafts existed.
    status: text({ enum: articleStatuses }).notNull().default('published'),
  },
  (t) => [
    index('articles_published_at_idx').on(t.published_at, t.id),
    index('articles_language_idx').on(t.language, t.id),
    index('articles_title_idx').on(t.title, t.id),
    index('articles_updated_at_idx').on(t.updated_at, t.id),
    index('articles_status_idx').on(t.status, t.id),
    // What a public walk seeks: the published articles only, in each order a list sorts or indexed filter seeks by, so
    // hidden articles are never examined. published_at trails each one so the rest of the public rule (not
    // scheduled for later) is tested on the index entry, without reading the row (see list/sql.ts).
    index('articles_published_by_id_idx').on(t.id, t.published_at).where(published),
    index('articles_published_by_date_idx').on(t.published_at, t.id).where(published),
    index('articles_published_by_title_idx').on(t.title, t.id, t.published_at).where(published),
    index('articles_published_by_update_idx').on(t.updated_at, t.id, t.published_at).where(published),
    index('articles_published_by_language_idx').on(t.language, t.id, t.published_at).where(published),
    // A public `status` filter seeks here too: a draft's finds nothing at once instead of passing every draft.
    index('articles_published_by_status_idx').on(t.status, t.id, t.published_at).where(published),
  ],
);

/**
 * The start of each long body as stored (its JSON's first characters), kept in step by triggers (migration
 * 0019): a search result holding an 800 KB report reads this row instead of the body, which SQLite would read
 * whole only to cut its start. Only bodies longer than the start have one (see articleBodyStart).
 */
export const articleBodyStarts = sqliteTable('article_body_starts', {
  article_id: text()
    .primaryKey()
    .references(() => articles.id, { onDelete: 'cascade' }),
  start: text().notNull(),
});

/** What joins a body's block texts into its plain text (`char(10, 10)` in SQL below). */
export const blockSeparator = '\n\n';

/**
 * The plain-text body in an engine's SQL, for what reads it there (search snippets and rebuilds, entity linking): the
 * body is stored once, as its blocks, and this joins their texts as `plainText` does (migration 0010).
 */
export const articleBodyTextIn = (dialect: Dialect) => dialect.blockTexts(articles.body);

/** The plain-text body in SQLite's SQL, for what reads it there and is not on the statement executor yet. */
export const articleBodyText = articleBodyTextIn(sqliteDialect);

/** What an article is about: one link table per kind of subject, so each has a real foreign key. */
const subjectLinks = (name: string, subject: () => SQLiteColumn) =>
  sqliteTable(
    name,
    {
      article_id: text()
        .notNull()
        .references(() => articles.id, { onDelete: 'cascade' }),
      position: integer().notNull(),
      subject_id: text().notNull().references(subject, { onDelete: 'cascade' }),
    },
    (t) => [primaryKey({ columns: [t.article_id, t.position] }), index(`${name}_subject_idx`).on(t.subject_id, t.article_id)],
  );

export const articlePeople = subjectLinks('article_people', () => people.id);
export const articleOrganisations = subjectLinks('article_organisations', () => organisations.id);
export const articleMeetings = subjectLinks('article_meetings', () => meetings.id);
