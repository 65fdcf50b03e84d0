import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { now } from '../db/ids.js';
import type { Repository, WriteEvent } from '../resources/shared/repository.js';
import { type RevisionAction, revisions } from './table.js';

export interface Revision {
  n: number;
  action: RevisionAction;
  writer: string;
  at: string;
  record: Record<string, unknown>;
}

type RevisionSummary = Omit<Revision, 'record'>;

export interface RevisionPage {
  rows: RevisionSummary[];
  /** The n to continue below, null on the last page. */
  next: number | null;
}

/** What the store needs of a resource's repository: the fields a snapshot leaves out, and deriving them back. */
export type ComputedFields = Pick<Repository<{ id: string; version: number }, unknown>, 'computedFields' | 'withComputed'>;

const actionOf = (event: WriteEvent<unknown>): RevisionAction =>
  event.context.restoring !== undefined ? 'restore' : event.kind === 'create' ? 'create' : event.kind === 'delete' ? 'delete' : 'update';

/**
 * Every record's numbered revisions, written by each write's listener inside the write's transaction. A
 * snapshot is the record's JSON without its computed fields, deflated (migration 0015): a fifth of the bytes
 * of the whole record for an article of the synthetic set (docs/performance.md#storage).
 */
export function revisionStore(db: Db, repositories: Readonly<Record<string, ComputedFields>>) {
  const key = and(eq(revisions.resource, sql.placeholder('resource')), eq(revisions.record_id, sql.placeholder('id')));
  // The number is taken inside the write's transaction, where no other writer can take it: SQLite has one writer.
  const append = db.$client.prepare<{ resource: string; id: string; action: string; snapshot: Buffer; writer: string; at: string }>(
    `insert into revisions (resource, record_id, n, action, snapshot, writer, at)
     select @resource, @id, coalesce(max(n), 0) + 1, @action, @snapshot, @writer, @at from revisions where resource = @resource and record_id = @id`,
  );
  const summary = { n: revisions.n, action: revisions.action, writer: revisions.writer, at: revisions.at };
  const page = db
    .select(summary)
    .from(revisions)
    .where(and(key, lt(revisions.n, sql.placeholder('before'))))
    .orderBy(desc(revisions.n))
    .limit(sql.placeholder('limit'))
    .prepare();
  const one = db
    // As the driver reads it: a Buffer written since migration 0015, the JSON text of a row written before it.
    .select({ ...summary, snapshot: sql<Buffer | string>`${revisions.snapshot}` })
    .from(revisions)
    .where(and(key, eq(revisions.n, sql.placeholder('n'))))
    .prepare();

  const erase = db.delete(revisions).where(key).prepare();

  // Every resource of the registry has its repository there.
  const computedOf = (resource: string) => repositories[resource]!;
  const snapshotOf = (resource: string, record: { id: string }): Buffer => {
    const left = new Set(computedOf(resource).computedFields);
    return deflateRawSync(JSON.stringify(Object.fromEntries(Object.entries(record).filter(([field]) => !left.has(field)))));
  };
  const recordOf = (resource: string, snapshot: Buffer | string): Record<string, unknown> =>
    computedOf(resource).withComputed(JSON.parse(typeof snapshot === 'string' ? snapshot : inflateRawSync(snapshot).toString()));

  /** The record's next revision: call it inside the transaction that wrote the record. */
  const appendRevision = (resource: string, record: { id: string }, action: RevisionAction, writer: string) => {
    append.run({ resource, id: record.id, action, snapshot: snapshotOf(resource, record), writer, at: now() });
  };

  return {
    append: appendRevision,
    /** A listener for a resource's repository: the record after each write (before it, for a delete). */
    follow(resource: string) {
      return (event: WriteEvent<{ id: string }>) => {
        appendRevision(resource, event.kind === 'delete' ? event.previous : event.record, actionOf(event), event.context.writer);
      };
    },
    /** Newest first, below `before` (the n a previous page ended at). */
    page(resource: string, id: string, limit: number, before = Number.MAX_SAFE_INTEGER): RevisionPage {
      const rows = page.all({ resource, id, before, limit: limit + 1 });
      return { rows: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1]!.n : null };
    },
    /** Removes every revision of a record: what a purge from the trash erases (core/trash). */
    erase(resource: string, id: string) {
      erase.run({ resource, id });
    },
    find(resource: string, id: string, n: number): Revision | null {
      const row = one.get({ resource, id, n });
      if (!row) return null;
      const { snapshot, ...revision } = row;
      return { ...revision, record: recordOf(resource, snapshot) };
    },
  };
}

export type RevisionStore = ReturnType<typeof revisionStore>;
