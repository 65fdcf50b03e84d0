import { type AnySQLiteColumn, index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { recordColumns } from '../../db/columns.js';

export const organisationKinds = ['ministry', 'agency', 'government', 'committee', 'other'] as const;

export const organisations = sqliteTable(
  'organisations',
  {
    ...recordColumns(),
    name: text().notNull(),
    kind: text({ enum: organisationKinds }).notNull(),
    country: text(),
    // Deleting an organisation that others hang under is refused (409), not cascaded.
    parent_id: text().references((): AnySQLiteColumn => organisations.id, { onDelete: 'restrict' }),
    aliases: text({ mode: 'json' }).$type<string[]>().notNull().default([]),
  },
  (t) => [
    index('organisations_parent_idx').on(t.parent_id, t.id),
    index('organisations_kind_idx').on(t.kind, t.id),
    index('organisations_country_idx').on(t.country, t.id),
    index('organisations_name_idx').on(t.name, t.id),
    index('organisations_updated_at_idx').on(t.updated_at, t.id),
  ],
);
