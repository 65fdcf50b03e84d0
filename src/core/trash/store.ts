import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { now } from '../db/ids.js';
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

/**
 * The trash: a DELETE moves a record there (its row goes, as before, with the links others held to it and the
 * mentions and provenance that reference it; this keeps those rows, and the record's revisions keep its content), a create under its id (a restore) takes it
 * back out with its links, and a purge (core/trash/purge.ts) erases it with its revisions and appends a `purged` event.
 */
export function trashStore(db: Db, linkTables: readonly LinkTable[], revisions: RevisionStore) {
  const keepers = byResource((resource) => linkKeeper(db, resource.table, [...linkTables, ...factTables]));
  const spans = keptSpans(db, revisions);
  const key = and(eq(trash.resource, sql.placeholder('resource')), eq(trash.record_id, sql.placeholder('id')));
  const entry = db.select().from(trash).where(key).prepare();
  const remove = db.delete(trash).where(key).prepare();

  return {
    /** For a repository's onRemoving: the record goes into the trash with the links others hold to it. */
    keep(resource: ResourceName) {
      return (record: { id: string; slug: string; version: number }, context: WriteContext) => {
        db.insert(trash)
          .values({ resource, record_id: record.id, slug: record.slug, version: record.version, trashed_at: now(), writer: context.writer, links: spans.note(keepers[resource].keep(record.id)) })
          .run();
      };
    },
    /** For a repository's onInserted: a record created under a trashed id is restored; its links come back with it. */
    takeBack(resource: ResourceName) {
      return (id: string) => {
        const found = entry.get({ resource, id });
        if (!found) return;
        keepers[resource].restore(id, spans.relocate(found.links));
        remove.run({ resource, id });
      };
    },
    find(resource: ResourceName, id: string): TrashedRecord | null {
      const found = entry.get({ resource, id });
      return found ? { id: found.record_id, slug: found.slug, version: found.version, trashed_at: found.trashed_at, trashed_by: found.writer } : null;
    },
  };
}
