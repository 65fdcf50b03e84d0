import { and, count, desc, eq, type SQL, sql } from 'drizzle-orm';
import { type StatementExecutor, statement } from '../db/statements.js';
import type { ResourceName } from '../resources/registry.js';
import { trash } from './table.js';

/** A record in the trash, as its listing shows it. */
export interface TrashedRecord {
  id: string;
  slug: string;
  version: number;
  trashed_at: string;
  trashed_by: string;
}

/** Where a page of the trash ends: the last record's time and id, newest first. */
export type TrashPosition = readonly [trashedAt: string, id: string];

export interface TrashPage {
  rows: TrashedRecord[];
  /** Where the next page starts, null on the last page. */
  next: TrashPosition | null;
}

const listed = { id: trash.record_id, slug: trash.slug, version: trash.version, trashed_at: trash.trashed_at, trashed_by: trash.writer };
const ofResource = eq(trash.resource, sql.placeholder('resource'));
const newest = (where: SQL | undefined) => statement.select(listed).from(trash).where(where).orderBy(desc(trash.trashed_at), desc(trash.record_id)).limit(sql.placeholder('limit'));
const firstPage = newest(ofResource);
const nextPage = newest(and(ofResource, sql`(${trash.trashed_at}, ${trash.record_id}) < (${sql.placeholder('at')}, ${sql.placeholder('id')})`));
const held = statement.select({ records: count() }).from(trash).where(ofResource);

/** The trash's listing, on either engine (core/trash/store.ts moves records in and out). */
export function trashListing(statements: StatementExecutor) {
  const [first, next, total] = [statements.prepare(firstPage), statements.prepare(nextPage), statements.prepare(held)];
  return {
    /** The most recently trashed first, after `after` (where a previous page ended). */
    async page(resource: ResourceName, limit: number, after?: TrashPosition): Promise<TrashPage> {
      const rows = after ? await next.all({ resource, at: after[0], id: after[1], limit: limit + 1 }) : await first.all({ resource, limit: limit + 1 });
      const last = rows.length > limit ? rows[limit - 1]! : null;
      return { rows: rows.slice(0, limit), next: last ? [last.trashed_at, last.id] : null };
    },
    /** How many records of `resource` are in the trash. */
    async count(resource: ResourceName): Promise<number> {
      return (await total.get({ resource }))?.records ?? 0;
    },
  };
}
