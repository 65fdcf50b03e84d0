import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { recordColumns } from '../../db/columns.js';
import { organisations } from '../organisations/table.js';

export const people = sqliteTable(
  'people',
  {
    ...recordColumns(),
    name: text().notNull(),
    honorific: text(),
    position: text(),
    country: text(),
    aliases: text({ mode: 'json' }).$type<string[]>().notNull().default([]),
  },
  (t) => [index('people_name_idx').on(t.name, t.id), index('people_country_idx').on(t.country, t.id), index('people_updated_at_idx').on(t.updated_at, t.id)],
);

/**
 * A person's roles in organisations; deleting either side removes the link. WITHOUT ROWID, clustered on its key
 * (migration 0024): drizzle-kit cannot declare that, so a rebuild of it must keep it.
 */
export const affiliations = sqliteTable(
  'affiliations',
  {
    person_id: text()
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    position: integer().notNull(),
    organisation_id: text()
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    role: text(),
    acting: integer({ mode: 'boolean' }),
  },
  (t) => [primaryKey({ columns: [t.person_id, t.position] }), index('affiliations_organisation_idx').on(t.organisation_id, t.person_id)],
);
