import { integer, text } from 'drizzle-orm/sqlite-core';

/** The columns every resource record has. Ids are UUIDv7, so ordering by id is ordering by creation. */
export const recordColumns = () => ({
  id: text().primaryKey(),
  slug: text().notNull().unique(),
  version: integer().notNull().default(1),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});
