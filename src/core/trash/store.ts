import { and, asc, eq, lt, sql } from 'drizzle-orm';
import type { ChangeStore } from '../changes/store.js';
import type { Db } from '../db/database.js';
import { now } from '../db/ids.js';
import { mentions, provenance } from '../facts/table.js';
import { byResource, type ResourceName, resourceNames } from '../resources/registry.js';
import type { LinkTable } from '../resources/shared/relations.js';
import type { WriteContext } from '../resources/shared/repository.js';
import type { RevisionStore } from '../revisions/store.js';
import { isoDaysBefore } from '../time.js';
import { linkKeeper, type ReferringTable } from './links.js';
import type { TrashedRecord } from './listing.js';
import { keptSpans } from './spans.js';
import { trash } from './table.js';

/** Records purged per transaction, by the retention job and an emptying, so neither holds the write lock long. */
export const trashPurgeBatch = 50;

/**
 * The facts about records (who is named where, where a value came from) reference articles and entities and go
 * with them; only the seed and a record's own writes make them, so they are kept like links. Relink jobs are
 * not: they are work, which a restore's create records again.
 */
const factTables: readonly ReferringTable[] = [{ table: mentions }, { table: provenance }];

/**
 * The trash: a DELETE moves a record there (its row goes, as before, with the links others held to it and the
 * mentions and provenance that reference it; this keeps those rows, and the record's revisions keep its content), a create under its id (a restore) takes it
 * back out with its links, and a purge erases it with its revisions and appends a `purged` event.
 */
export function trashStore(db: Db, linkTables: readonly LinkTable[], revisions: RevisionStore, changes: ChangeStore) {
  const keepers = byResource((resource) => linkKeeper(db, resource.table, [...linkTables, ...factTables]));
  const spans = keptSpans(db, revisions);
  const key = and(eq(trash.resource, sql.placeholder('resource')), eq(trash.record_id, sql.placeholder('id')));
  const entry = db.select().from(trash).where(key).prepare();
  const remove = db.delete(trash).where(key).prepare();
  const ofResource = eq(trash.resource, sql.placeholder('resource'));
  const oldest = (where: ReturnType<typeof and>) =>
    db.select({ id: trash.record_id }).from(trash).where(where).orderBy(asc(trash.trashed_at), asc(trash.record_id)).limit(sql.placeholder('limit')).prepare();
  const expired = oldest(and(ofResource, lt(trash.trashed_at, sql.placeholder('before'))));
  const longestTrashed = oldest(ofResource);

  /** Erases a trashed record for good; false when it is not in the trash. Call it inside a write transaction. */
  function purge(resource: ResourceName, id: string): boolean {
    const found = entry.get({ resource, id });
    if (!found) return false;
    // Erasure means erasure: its revisions hold its content. Its change events hold only ids, and stay, so the feed keeps no gaps.
    revisions.erase(resource, id);
    remove.run({ resource, id });
    changes.append(resource, id, 'purged', found.version);
    return true;
  }

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
    purge,
    /** Purges the `limit` records of `resource` longest in the trash; the number purged. Call it inside a write transaction. */
    purgeOldest(resource: ResourceName, limit: number): number {
      return longestTrashed.all({ resource, limit }).filter(({ id }) => purge(resource, id)).length;
    },
    /**
     * Purges at most `batch` records of one resource trashed more than `retentionDays` before `at`, in one short
     * IMMEDIATE transaction; the number purged (0: nothing is due). Another process purging the same records at
     * once finds them gone inside its own transaction, so each is purged, and its event written, once.
     */
    purgeExpired(at: number, retentionDays: number, batch: number): number {
      const before = isoDaysBefore(at, retentionDays);
      for (const resource of resourceNames) {
        // Read first, so a process with nothing to purge never takes the write lock.
        if (expired.all({ resource, before, limit: 1 }).length === 0) continue;
        return db.transaction(() => expired.all({ resource, before, limit: batch }).filter(({ id }) => purge(resource, id)).length, { behavior: 'immediate' });
      }
      return 0;
    },
  };
}
