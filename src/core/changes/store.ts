import { insertRow, numberedInsert, type StatementExecutor } from '../db/statements.js';
import type { WriteEvent } from '../resources/shared/repository.js';
import { enqueueDeliveries } from '../webhooks/outbox.js';
import type { Change } from './schemas.js';
import { type ChangeAction, changes } from './table.js';

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

/**
 * One event, its seq numbered by the engine (SQLite's AUTOINCREMENT, PostgreSQL's counter row and trigger) and read
 * back. Written once for either engine (docs/postgresql.md, step 2).
 */
const insertChange = numberedInsert(insertRow(changes, ['resource', 'record_id', 'action', 'version', 'at']), changes.seq);

/** An event of the feed before it is appended: the engine gives it its seq, the append its moment. */
type NewChange = Omit<Change, 'seq' | 'at'>;

/** A new event for a record. */
export const changeOf = (resource: string, id: string, action: ChangeAction, version: number): NewChange => ({ resource, id, action, version });

/**
 * Appends `change` in the write's transaction (`tx`) and queues its webhook deliveries there (an outbox: a
 * committed event has its deliveries, a rolled-back one none). `at` (the writer's clock, ms since the epoch) is
 * the event's moment and when its deliveries are due, so an announcement or a purge run on a given clock dates
 * both alike. The change with its seq.
 */
export async function appendChange(tx: StatementExecutor, change: NewChange, at: number): Promise<Change> {
  const dated = { ...change, at: new Date(at).toISOString() };
  const appended = { seq: await insertChange(tx, { ...dated, record_id: dated.id }), ...dated };
  await enqueueDeliveries(tx, appended, at);
  return appended;
}

/**
 * The change feed's appends: one event per write, by its listener inside the write's transaction on its `tx`
 * (core/changes/feed.ts reads them), its deliveries due at once.
 */
export function changeStore() {
  return {
    /** A listener for a resource's repository: one event per write, with its deliveries, on the write's `tx`. */
    follow(resource: string) {
      return async (event: VersionedEvent, tx: StatementExecutor) => {
        const record = event.kind === 'delete' ? event.previous : event.record;
        await appendChange(tx, changeOf(resource, record.id, actionOf(event), record.version), Date.now());
      };
    },
  };
}
