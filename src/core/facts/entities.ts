import { eq, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { meetings } from '../resources/meetings/table.js';
import { organisations } from '../resources/organisations/table.js';
import { people } from '../resources/people/table.js';
import { resources } from '../resources/registry.js';
import type { EntityType } from './table.js';

export interface EntityRef {
  type: EntityType;
  id: string;
}

type EntityColumns = { person_id: string | null; organisation_id: string | null; meeting_id: string | null };

/** The resources whose records articles can mention and whose values have provenance, with their entity type. */
export const entityResources = resources.flatMap(({ name, noun, entity }) => (entity ? [{ name, noun, type: entity }] : []));

export const entityColumn = { person: 'person_id', organisation: 'organisation_id', meeting: 'meeting_id' } as const;

/** The three foreign-key columns of a row about `entity`, exactly one of them set. */
export function entityColumnValues(entity: EntityRef): EntityColumns {
  return { person_id: null, organisation_id: null, meeting_id: null, [entityColumn[entity.type]]: entity.id };
}

/** The entity a row with the three foreign-key columns is about. */
export function entityOf(row: EntityColumns): EntityRef {
  if (row.person_id !== null) return { type: 'person', id: row.person_id };
  if (row.organisation_id !== null) return { type: 'organisation', id: row.organisation_id };
  return { type: 'meeting', id: row.meeting_id! };
}

/** Joins that name the entity a row is about: its slug and its name (a meeting's title). */
export const entityJoins = (table: { person_id: SQLiteColumn; organisation_id: SQLiteColumn; meeting_id: SQLiteColumn }) => ({
  person: eq(people.id, table.person_id),
  organisation: eq(organisations.id, table.organisation_id),
  meeting: eq(meetings.id, table.meeting_id),
});

export const entityLabel = {
  slug: sql<string>`coalesce(${people.slug}, ${organisations.slug}, ${meetings.slug})`,
  name: sql<string>`coalesce(${people.name}, ${organisations.name}, ${meetings.title})`,
};
