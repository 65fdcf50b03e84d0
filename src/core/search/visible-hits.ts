import { and, type SQL, sql } from 'drizzle-orm';
import type { Audience } from '../list/visibility.js';
import { resources } from '../resources/registry.js';
import { searchDocuments } from './table.js';

/**
 * The public's hits are of records it sees: for a type with a rule (ListSpec.visibleWhen), one primary-key lookup per
 * hit. The rule binds `now` (visibilityValues).
 */
const publicHit = and(
  ...resources.flatMap(({ name, table, list }) =>
    list.visibleWhen ? [sql`(${searchDocuments.type} <> ${name} or exists (select 1 from ${table} where ${table.id} = ${searchDocuments.record_id} and ${list.visibleWhen}))`] : [],
  ),
);

/** What a hit of `search_documents` must satisfy for an audience to see it. */
export const visibleHit = (audience: Audience): SQL | undefined => (audience === 'public' ? publicHit : undefined);
