import { and, asc, gt, lte, max, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { now } from '../db/ids.js';
import { type Audience, perAudience, type Visibility, visibilityValues } from '../list/visibility.js';
import { resources } from '../resources/registry.js';
import type { ResourceTable, WriteEvent } from '../resources/shared/repository.js';
import type { Change } from './schemas.js';
import { type ChangeAction, changes } from './table.js';

export interface ChangePage {
  events: Change[];
  /** Whether to read on at once: events the reader sees follow the page's last one, or a public page stopped at its scan window. */
  more: boolean;
  /**
   * The seq the next page starts after: the last event's when the page is full, else the last seq examined, so a
   * reader who sees not every event passes the hidden ones once instead of reading them again on every poll.
   */
  through: number;
}

/**
 * The most events a public page examines after `after`: each event of a record the public does not see (a
 * draft's saves, a deleted article's) costs a lookup, and a page of them would read the feed to its end; it
 * stops here instead, short or empty, with `through` past what it examined.
 */
const publicScanWindow = 10_000;

/** A written record: every one has an id and a version; an article also has its publication `status`. */
type VersionedEvent = WriteEvent<{ id: string; version: number; status?: string }>;

/**
 * The one place a write's action is decided (a purge is no write of a repository: core/trash records its `purged`). A restore is `restored` and a DELETE `trashed`, whatever they do
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
  // The public's events are those of records it sees now: for a resource with a rule (ListSpec.visibleWhen),
  // one primary-key lookup per event. A record deleted since is not seen, nor are its events.
  const publicEvent = and(
    ...resources.flatMap(({ name, table, list }) =>
      list.visibleWhen ? [sql`(${changes.resource} <> ${name} or exists (select 1 from ${table} where ${table.id} = ${changes.record_id} and ${list.visibleWhen}))`] : [],
    ),
  );
  const visibleEvent = (audience: Audience): SQL | undefined => (audience === 'public' ? publicEvent : undefined);
  const page = perAudience((audience) =>
    db
      .select({ seq: changes.seq, resource: changes.resource, id: changes.record_id, action: changes.action, version: changes.version, at: changes.at })
      .from(changes)
      .where(and(gt(changes.seq, sql.placeholder('after')), lte(changes.seq, sql.placeholder('until')), visibleEvent(audience)))
      .orderBy(asc(changes.seq))
      .limit(sql.placeholder('limit'))
      .prepare(),
  );
  // The last page of the rowid b-tree: what a stream checks for news, whichever process wrote them.
  const last = db
    .select({ seq: max(changes.seq) })
    .from(changes)
    .prepare();

  const appended: Array<(change: Change) => void> = [];
  /** Appends one event, inside the caller's transaction, and runs the `onAppend` listeners on it (the webhooks' outbox). */
  const appendEvent = (resource: string, id: string, action: ChangeAction, version: number) => {
    const change = { resource, id, action, version, at: now() };
    const { lastInsertRowid } = append.run(change);
    for (const listener of appended) listener({ seq: Number(lastInsertRowid), ...change });
  };

  return {
    /** A listener for a resource's repository: one event per write. */
    follow(resource: string) {
      return (event: VersionedEvent) => {
        const record = event.kind === 'delete' ? event.previous : event.record;
        appendEvent(resource, record.id, actionOf(event), record.version);
      };
    },
    append: appendEvent,
    /** Runs `listener` on each event appended (by `follow` or `append`), in the same transaction (the webhooks' outbox). */
    onAppend(listener: (change: Change) => void) {
      appended.push(listener);
    },
    /** A `created` event for every row of a table loaded without its repository (the synthetic data), in creation order. */
    appendLoaded(resource: string, table: ResourceTable) {
      db.run(
        sql`insert into ${changes} (resource, record_id, action, version, at)
            select ${resource}, ${table.id}, 'created', ${table.version}, ${table.created_at} from ${table} order by ${table.created_at}, ${table.id}`,
      );
    },
    /** The events after seq `after` that the reader sees, oldest first, at most `limit`. */
    page(after: number, limit: number, visibility: Visibility): ChangePage {
      // Read first: every event up to it is committed (one writer, seqs in commit order), so a page that ends
      // before `limit` has passed them all, seen or not.
      const newest = last.get()?.seq ?? 0;
      const until = visibility.audience === 'public' ? Math.min(newest, after + publicScanWindow) : newest;
      const rows = page[visibility.audience].all({ after, until, limit: limit + 1, ...visibilityValues(visibility) });
      const events = rows.slice(0, limit);
      const full = rows.length > limit;
      return { events, more: full || until < newest, through: full ? events.at(-1)!.seq : Math.max(after, until) };
    },
    /** The newest event's seq, 0 when there is none. */
    lastSeq(): number {
      return last.get()?.seq ?? 0;
    },
  };
}

export type ChangeStore = ReturnType<typeof changeStore>;
