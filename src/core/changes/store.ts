import { sql } from 'drizzle-orm';
import { perDialect } from '../db/dialect.js';
import { now } from '../db/ids.js';
import type { StatementExecutor } from '../db/statements.js';
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

/** One event, its seq left to the engine (SQLite's AUTOINCREMENT, PostgreSQL's counter row and trigger). Written once for either engine (docs/postgresql.md, step 2). */
const insertChange = sql`insert into ${changes} (${sql.identifier('resource')}, ${sql.identifier('record_id')}, ${sql.identifier('action')}, ${sql.identifier('version')}, ${sql.identifier('at')})
  values (${sql.placeholder('resource')}, ${sql.placeholder('id')}, ${sql.placeholder('action')}, ${sql.placeholder('version')}, ${sql.placeholder('at')})`;
/** The seq the insert just took, on the same connection. */
const insertedSeq = perDialect((dialect) => sql<{ seq: number }>`select ${dialect.appendedChangeSeq} as ${sql.identifier('seq')}`);

/** The seq `insertedSeq` read back; an insert that gave none is a fault. */
function seqReadBack(row: { seq: number } | undefined): number {
  if (!row) throw new Error('the change feed read no seq back');
  return row.seq;
}

/** An event of the feed before it is appended: the engine gives it its seq. */
export type NewChange = Omit<Change, 'seq'>;

/** A new event for a record, written now. */
export const changeOf = (resource: string, id: string, action: ChangeAction, version: number): NewChange => ({ resource, id, action, version, at: now() });

/**
 * Appends `change` in the write's transaction (`tx`) and queues its webhook deliveries there (an outbox: a
 * committed event has its deliveries, a rolled-back one none), due at `deliverAt` (the dispatcher's clock, ms since
 * the epoch); the change with its seq.
 */
export async function appendChange(tx: StatementExecutor, change: NewChange, deliverAt: number): Promise<Change> {
  await tx.prepare(insertChange).run(change);
  const appended = { seq: seqReadBack(await tx.prepare(insertedSeq(tx.dialect)).get()), ...change };
  await enqueueDeliveries(tx, appended, deliverAt);
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
