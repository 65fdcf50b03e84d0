import { and, eq, sql } from 'drizzle-orm';
import { now } from '../db/ids.js';
import { insertRow, type StatementExecutor, statement } from '../db/statements.js';
import { mentions, provenance } from '../facts/table.js';
import { byResource, type ResourceName } from '../resources/registry.js';
import type { LinkTable } from '../resources/shared/relations.js';
import type { WriteContext } from '../resources/shared/repository.js';
import type { RevisionStore } from '../revisions/store.js';
import { linkKeeper, type ReferringTable } from './links.js';
import type { TrashedRecord } from './listing.js';
import { keptSpans } from './spans.js';
import { trash } from './table.js';

/**
 * The facts about records (who is named where, where a value came from) reference articles and entities and go
 * with them; only the seed and a record's own writes make them, so they are kept like links. Relink jobs are
 * not: they are work, which a restore's create records again.
 */
const factTables: readonly ReferringTable[] = [{ table: mentions }, { table: provenance }];

const key = and(eq(trash.resource, sql.placeholder('resource')), eq(trash.record_id, sql.placeholder('id')));
const entryOf = statement.select().from(trash).where(key);
const removeEntry = sql`delete from ${trash} where ${key}`;
const insertEntry = insertRow(trash, ['resource', 'record_id', 'slug', 'version', 'trashed_at', 'writer', 'links']);

/**
 * The trash: a DELETE moves a record there (its row goes, as before, with the links others held to it and the
 * mentions and provenance that reference it; this keeps those rows, and the record's revisions keep its content), a create under its id (a restore) takes it
 * back out with its links, and a purge (core/trash/purge.ts) erases it with its revisions and appends a `purged` event.
 */
export function trashStore(linkTables: readonly LinkTable[], revisions: RevisionStore) {
  const keepers = byResource((resource) => linkKeeper(resource.table, [...linkTables, ...factTables]));
  const spans = keptSpans(revisions);

  return {
    /** For a repository's onRemoving: the record goes into the trash with the links others hold to it, on the delete's `tx`. */
    keep(resource: ResourceName) {
      return async (record: { id: string; slug: string; version: number }, context: WriteContext, tx: StatementExecutor) => {
        const links = await spans.note(tx, await keepers[resource].keep(tx, record.id));
        await tx.prepare(insertEntry).run({ resource, record_id: record.id, slug: record.slug, version: record.version, trashed_at: now(), writer: context.writer, links });
      };
    },
    /** For a repository's onInserted: a record created under a trashed id is restored; its links come back with it, on the create's `tx`. */
    takeBack(resource: ResourceName) {
      return async (id: string, tx: StatementExecutor) => {
        const found = await tx.prepare(entryOf).get({ resource, id });
        if (!found) return;
        await keepers[resource].restore(tx, id, await spans.relocate(tx, found.links));
        await tx.prepare(removeEntry).run({ resource, id });
      };
    },
    /** The record's entry as the executor given sees it (a write's `tx`, to restore it), null when it is not in the trash. */
    async find(reads: StatementExecutor, resource: ResourceName, id: string): Promise<TrashedRecord | null> {
      const found = await reads.prepare(entryOf).get({ resource, id });
      return found ? { id: found.record_id, slug: found.slug, version: found.version, trashed_at: found.trashed_at, trashed_by: found.writer } : null;
    },
  };
}

export type TrashStore = ReturnType<typeof trashStore>;
