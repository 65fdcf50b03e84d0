import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { recordColumns } from '../../db/columns.js';
import { organisations } from '../organisations/table.js';
import { people } from '../people/table.js';

export const meetingStatuses = ['planned', 'held', 'cancelled'] as const;
export const participantRoles = ['host', 'guest', 'delegate'] as const;

export const meetings = sqliteTable(
  'meetings',
  {
    ...recordColumns(),
    title: text().notNull(),
    status: text({ enum: meetingStatuses }).notNull(),
    starts_at: text(),
    date_text: text(),
    location: text(),
    summary: text(),
    topics: text({ mode: 'json' }).$type<string[]>().notNull().default([]),
    outcomes: text({ mode: 'json' }).$type<string[]>().notNull().default([]),
    // A host organisation cannot be deleted while it hosts meetings (409).
    host_organisation_id: text().references(() => organisations.id, { onDelete: 'restrict' }),
  },
  (t) => [
    index('meetings_status_idx').on(t.status, t.id),
    index('meetings_starts_at_idx').on(t.starts_at, t.id),
    index('meetings_host_idx').on(t.host_organisation_id, t.id),
    index('meetings_title_idx').on(t.title, t.id),
    index('meetings_updated_at_idx').on(t.updated_at, t.id),
  ],
);

/**
 * Who took part, for which organisation and in what role; deleting the person or meeting removes the row. WITHOUT
 * ROWID, clustered on its key (migration 0024): drizzle-kit cannot declare that, so a rebuild of it must keep it.
 */
export const meetingParticipants = sqliteTable(
  'meeting_participants',
  {
    meeting_id: text()
      .notNull()
      .references(() => meetings.id, { onDelete: 'cascade' }),
    position: integer().notNull(),
    person_id: text()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    organisation_id: text().references(() => organisations.id, { onDelete: 'set null' }),
    role: text({ enum: participantRoles }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.meeting_id, t.position] }),
    index('meeting_participants_person_idx').on(t.person_id, t.meeting_id),
    index('meeting_participants_organisation_idx').on(t.organisation_id, t.meeting_id),
  ],
);

/** The organisations a meeting is between, in order; WITHOUT ROWID as meetingParticipants. */
export const meetingOrganisations = sqliteTable(
  'meeting_organisations',
  {
    meeting_id: text()
      .notNull()
      .references(() => meetings.id, { onDelete: 'cascade' }),
    position: integer().notNull(),
    organisation_id: text()
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.meeting_id, t.position] }), index('meeting_organisations_organisation_idx').on(t.organisation_id, t.meeting_id)],
);
