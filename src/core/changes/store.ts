import { asc, gt, max, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { now } from '../db/ids.js';
import type { ResourceTable, WriteEvent } from '../resources/shared/repository.js';
import type { Change } from './schemas.js';
import { type ChangeAction, changes } from './table.js';

export interface ChangePage {
  events: Change[];
  /** Whether more events follow the page's last one. */
  more: boolean;
}

/** A written record: every one has an id and a version; an article also has its publication `status`. */
type VersionedEvent = WriteEvent<{ id: string; version: number; status?: string }>;

/**
 * The one place a write's action is decided. A restore is `restored` and a DELETE `trashed`, whatever they do
 * to a status. A create is `created`, even of a published article: `published` and `unpublished` name a change
 * of an existing article's status into or out of `published`; any other replace is `updated`.
 */
function actionOf(event: VersionedEvent): ChangeAction {
  if (event.context.restoring !== undefined) return 'restored';
  if (event.kind === 'create') return 'created';
  if (event.kind === 'delete') return 'trashed';
  const [was, is] = [event.previous.status === 'published', event.record.status === 'published'];
  return was === is ? 'updated' : is ? 'published' : 'unpublished';
}

/** The change feed: events appended by each write's listener inside the write's transaction, read in seq order. */
export function changeStore(db: Db) {
  const append = db
    .insert(changes)
    .values({
      resource: sql.placeholder('resource'),
      record_id: sql.placeholder('id'),
      action: sql.placeholder('action'),
      version: sql.placeholder('version'),
      at: sql.placeholder('at'),
    })
    .prepare();
  // One statement for every page: the visibility of a public reader's events (issue 21) is a condition here.
  const page = db
    .select({ seq: changes.seq, resource: changes.resource, id: changes.record_id, action: changes.action, version: changes.version, at: changes.at })
    .from(changes)
    .where(gt(changes.seq, sql.placeholder('after')))
    .orderBy(asc(changes.seq))
    .limit(sql.placeholder('limit'))
    .prepare();
  // The last page of the rowid b-tree: what a stream checks for news, whichever process wrote them.
  const last = db
    .select({ seq: max(changes.seq) })
    .from(changes)
    .prepare();

  return {
    /** A listener for a resource's repository: one event per write. */
    follow(resource: string) {
      return (event: VersionedEvent) => {
        const record = event.kind === 'delete' ? event.previous : event.record;
        append.run({ resource, id: record.id, action: actionOf(event), version: record.version, at: now() });
      };
    },
    /** A `created` event for every row of a table loaded without its repository (the synthetic data), in creation order. */
    appendLoaded(resource: string, table: ResourceTable) {
      db.run(
        sql`insert into ${changes} (resource, record_id, action, version, at)
            select ${resource}, ${table.id}, 'created', ${table.version}, ${table.created_at} from ${table} order by ${table.created_at}, ${table.id}`,
      );
    },
    /** The events after seq `after`, oldest first, at most `limit`. */
    page(after: number, limit: number): ChangePage {
      const rows = page.all({ after, limit: limit + 1 });
      return { events: rows.slice(0, limit), more: rows.length > limit };
    },
    /** The newest event's seq, 0 when there is none. */
    lastSeq(): number {
      return last.get()?.seq ?? 0;
    },
  };
}

export type ChangeStore = ReturnType<typeof changeStore>;
