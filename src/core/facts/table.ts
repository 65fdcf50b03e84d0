import { sql } from 'drizzle-orm';
import { check, index, integer, type SQLiteColumn, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { articles } from '../resources/articles/table.js';
import { meetings } from '../resources/meetings/table.js';
import { organisations } from '../resources/organisations/table.js';
import { people } from '../resources/people/table.js';

export const entityTypes = ['person', 'organisation', 'meeting'] as const;
export type EntityType = (typeof entityTypes)[number];

/** The part of an article that a span's offsets index: its title, or its plain-text body (`body_text`). */
export const articleParts = ['title', 'body'] as const;
export type ArticlePart = (typeof articleParts)[number];

export const mentionOrigins = ['curated', 'auto'] as const;

/**
 * The entity a row is about: one real foreign key per kind of entity, exactly one of them set, so that
 * deleting the entity removes its rows.
 */
const entityColumns = () => ({
  person_id: text().references(() => people.id, { onDelete: 'cascade' }),
  organisation_id: text().references(() => organisations.id, { onDelete: 'cascade' }),
  meeting_id: text().references(() => meetings.id, { onDelete: 'cascade' }),
});

const exactlyOneEntity = (t: { person_id: SQLiteColumn; organisation_id: SQLiteColumn; meeting_id: SQLiteColumn }) =>
  sql`(${t.person_id} is not null) + (${t.organisation_id} is not null) + (${t.meeting_id} is not null) = 1`;

/** A span of an article that names a person, an organisation or a meeting. Offsets are UTF-16 code units. */
export const mentions = sqliteTable(
  'mentions',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    article_id: text()
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    part: text({ enum: articleParts }).notNull(),
    start: integer().notNull(),
    end: integer().notNull(),
    text: text().notNull(),
    ...entityColumns(),
    origin: text({ enum: mentionOrigins }).notNull(),
  },
  (t) => [
    index('mentions_article_idx').on(t.article_id, t.part, t.start),
    index('mentions_person_idx').on(t.person_id),
    index('mentions_organisation_idx').on(t.organisation_id),
    index('mentions_meeting_idx').on(t.meeting_id),
    check('mentions_one_entity', exactlyOneEntity(t)),
    check('mentions_span', sql`${t.start} >= 0 and ${t.end} > ${t.start}`),
  ],
);

/**
 * Where a field value of a person, organisation or meeting came from: a quote of an article (article_id,
 * part, start, end, quote) or a write through the API (writer). `field` is a path into the record:
 * `name`, `topics.2`, `affiliations.0.role`.
 */
export const provenance = sqliteTable(
  'provenance',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    ...entityColumns(),
    field: text().notNull(),
    value: text({ mode: 'json' }).$type<unknown>(),
    article_id: text().references(() => articles.id, { onDelete: 'cascade' }),
    part: text({ enum: articleParts }),
    start: integer(),
    end: integer(),
    quote: text(),
    writer: text(),
    recorded_at: text().notNull(),
  },
  (t) => [
    index('provenance_person_idx').on(t.person_id, t.id),
    index('provenance_organisation_idx').on(t.organisation_id, t.id),
    index('provenance_meeting_idx').on(t.meeting_id, t.id),
    index('provenance_article_idx').on(t.article_id),
    check('provenance_one_entity', exactlyOneEntity(t)),
    check('provenance_source', sql`(${t.quote} is not null and ${t.article_id} is not null) or ${t.writer} is not null`),
  ],
);

/**
 * One row, changed by triggers (migration 0007) whenever a person's or an organisation's name forms change,
 * whoever writes: a repository, a bulk load, another worker process. `revision` is random, so a name index
 * built at one revision is current exactly while the row still holds it; `previous` is the revision before
 * the latest change, so the process that made it can bring its index forward instead of building it again.
 */
export const nameFormsRevision = sqliteTable(
  'name_forms_revision',
  {
    id: integer().primaryKey(),
    revision: text().notNull(),
    previous: text(),
  },
  (t) => [check('name_forms_revision_one_row', sql`${t.id} = 1`)],
);

/**
 * Articles to link again because a person's or an organisation's name forms changed: the write that changed
 * them records the forms it added or removed, and a worker (facts/relink-jobs.ts) relinks the articles that
 * contain one of them, or are linked to the entity, in short transactions after the write. `after` is the
 * last article id relinked; `owner` is the process working on the job, until `lease_until` (ms since the
 * epoch) unless it renews the lease.
 */
export const relinkJobs = sqliteTable(
  'relink_jobs',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    ...entityColumns(),
    forms: text({ mode: 'json' }).$type<string[]>().notNull(),
    after: text().notNull().default(''),
    owner: text(),
    lease_until: integer(),
  },
  (t) => [check('relink_jobs_one_entity', exactlyOneEntity(t))],
);

/**
 * Articles linked while this process's name index was behind the names (another process had changed them): each is
 * linked again once an index built after its row was written is installed (facts/index.ts), and its row deleted in
 * that transaction. A row per such write, in write order; no foreign key, as relinking a deleted article finds nothing.
 */
export const articlesToRelink = sqliteTable('articles_to_relink', {
  id: integer().primaryKey({ autoIncrement: true }),
  article_id: text().notNull(),
});
