import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { and, desc, eq, lt, max, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { now } from '../db/ids.js';
import { type Bindings, type StatementExecutor, statement } from '../db/statements.js';
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

/**
 * What the store needs of a resource's repository: the fields a snapshot leaves out and deriving them back, the
 * relation lists a newest revision keeps, and the record's row that holds the rest of it.
 */
export type SnapshotFields = Pick<Repository<{ id: string; version: number }, unknown>, 'computedFields' | 'withComputed' | 'relationFields' | 'find'>;

type StoredRecord = Record<string, unknown> & { id: string; version: number };

const actionOf = (event: WriteEvent<unknown>): RevisionAction =>
  event.context.restoring !== undefined ? 'restore' : event.kind === 'create' ? 'create' : event.kind === 'delete' ? 'delete' : 'update';

const ofRecord = and(eq(revisions.resource, sql.placeholder('resource')), eq(revisions.record_id, sql.placeholder('id')));
const eraseAll = sql`delete from ${revisions} where ${ofRecord}`;
// As the driver reads it: a Buffer written since migration 0015, the JSON text of a row written before it.
const stored = { snapshot: sql<Buffer | string>`${revisions.snapshot}`, relationsOnly: revisions.relations_only };
const newestOf = statement
  .select({ n: revisions.n, ...stored })
  .from(revisions)
  .where(ofRecord)
  .orderBy(desc(revisions.n))
  .limit(1);
const storeWholeOf = sql`update ${revisions} set ${sql.identifier('snapshot')} = ${sql.placeholder('snapshot')}, ${sql.identifier('relations_only')} = false
  where ${ofRecord} and ${eq(revisions.n, sql.placeholder('n'))}`;
// The number follows the newest revision, read in the same transaction, where no other writer can take it (SQLite
// has one writer; PostgreSQL's serializable write refuses the second of two). A VALUES insert: the INSERT … SELECT
// it replaces looked the number up a second time and took a statement journal, whose savepoint made FTS5 flush its
// pending terms mid-write (group-commit.ts).
const insertRevision = sql`insert into ${revisions} (${sql.join(
  ['resource', 'record_id', 'n', 'action', 'snapshot', 'relations_only', 'writer', 'at'].map((name) => sql.identifier(name)),
  sql`, `,
)})
  values (${sql.placeholder('resource')}, ${sql.placeholder('id')}, ${sql.placeholder('n')}, ${sql.placeholder('action')}, ${sql.placeholder('snapshot')}, ${sql.placeholder('relationsOnly')}, ${sql.placeholder('writer')}, ${sql.placeholder('at')})`;

/** The newest revision of a record, as the next write reads it. */
type Newest = (typeof newestOf)['_']['result'][number];

/** What one revision append writes: the newest revision made whole first (null when it is), then the new one. */
interface RevisionWrites {
  storeWhole: Bindings | null;
  append: Bindings;
}

/** Removes every revision of a record, in a write's transaction (`tx`): what a purge from the trash erases (core/trash). */
export async function eraseRevisions(tx: StatementExecutor, resource: string, id: string): Promise<void> {
  await tx.prepare(eraseAll).run({ resource, id });
}

/** What a revision's snapshot keeps of a resource's records: all but the computed fields, or only the relation lists. */
type SnapshotShape = Pick<SnapshotFields, 'computedFields' | 'relationFields'>;

const deflated = (fields: Record<string, unknown>) => deflateRawSync(JSON.stringify(fields));
const wholeSnapshot = (shape: SnapshotShape, record: StoredRecord): Buffer => {
  const left = new Set(shape.computedFields);
  return deflated(Object.fromEntries(Object.entries(record).filter(([field]) => !left.has(field))));
};
const relationsSnapshot = (shape: SnapshotShape, record: StoredRecord): Buffer => deflated(Object.fromEntries(shape.relationFields.map((field) => [field, record[field]])));
const parsed = (snapshot: Buffer | string): StoredRecord => JSON.parse(typeof snapshot === 'string' ? snapshot : inflateRawSync(snapshot).toString());
/** The record's row as it is (`current`) with the relation lists as the revision stored them, in the record's order. */
const withRelations = (current: StoredRecord, relations: Buffer | string): StoredRecord => ({ ...current, ...parsed(relations) });

/** The writes of the record's next revision, given the newest revision before it (`last`). */
function writesOf(shape: SnapshotShape, resource: string, record: StoredRecord, action: RevisionAction, writer: string, previous: StoredRecord | null, last: Newest | undefined): RevisionWrites {
  let storeWhole: Bindings | null = null;
  if (last?.relationsOnly) {
    if (!previous) throw new Error(`revision ${last.n} of ${resource} ${record.id} keeps only its relations, and a write without the record it replaces cannot store it whole`);
    storeWhole = { resource, id: record.id, n: last.n, snapshot: wholeSnapshot(shape, withRelations(previous, last.snapshot)) };
  }
  // A deleted record has no row to read the rest from.
  const whole = action === 'delete';
  const snapshot = whole ? wholeSnapshot(shape, record) : relationsSnapshot(shape, record);
  return { storeWhole, append: { resource, id: record.id, n: (last?.n ?? 0) + 1, action, snapshot, relationsOnly: whole ? 0 : 1, writer, at: now() } };
}

/**
 * The record's next revision, in a write's transaction on its executor (`tx`, either engine), with the record as it
 * was before the write (null for a create), which the revision before this one may still be reading.
 */
export async function appendRevision(
  tx: StatementExecutor,
  shape: SnapshotShape,
  resource: string,
  record: StoredRecord,
  action: RevisionAction,
  writer: string,
  previous: StoredRecord | null,
): Promise<void> {
  const writes = writesOf(shape, resource, record, action, writer, previous, await tx.prepare(newestOf).get({ resource, id: record.id }));
  if (writes.storeWhole) await tx.prepare(storeWholeOf).run(writes.storeWhole);
  await tx.prepare(insertRevision).run(writes.append);
}

/**
 * Every record's numbered revisions, written by each write's listener inside the write's transaction. A
 * snapshot is the record's JSON without its computed fields, deflated (migration 0015). The newest revision of
 * a record that exists keeps only its relation lists, and is read with the record's row (migration 0017): the
 * row changes only by a write, which first stores that revision whole from the record it replaces.
 */
export function revisionStore(db: Db, repositories: Readonly<Record<string, SnapshotFields>>) {
  const summary = { n: revisions.n, action: revisions.action, writer: revisions.writer, at: revisions.at };
  const page = db
    .select(summary)
    .from(revisions)
    .where(and(ofRecord, lt(revisions.n, sql.placeholder('before'))))
    .orderBy(desc(revisions.n))
    .limit(sql.placeholder('limit'))
    .prepare();
  const one = db
    .select({ ...summary, ...stored })
    .from(revisions)
    .where(and(ofRecord, eq(revisions.n, sql.placeholder('n'))))
    .prepare();
  const last = db
    .select({ n: max(revisions.n) })
    .from(revisions)
    .where(ofRecord)
    .prepare();

  // Every resource of the registry has its repository there.
  const fieldsOf = (resource: string) => repositories[resource]!;
  const recordOf = (resource: string, id: string, row: { n: number; snapshot: Buffer | string; relationsOnly: boolean }): Record<string, unknown> => {
    if (!row.relationsOnly) return fieldsOf(resource).withComputed(parsed(row.snapshot));
    const current = fieldsOf(resource).find(id);
    if (!current) throw new Error(`revision ${row.n} of ${resource} ${id} keeps only its relations, but the record is gone`);
    return fieldsOf(resource).withComputed(withRelations(current, row.snapshot));
  };

  // One read transaction: a write by another process between the revision and the row would pair them wrongly.
  const readTogether = db.$client.transaction((resource: string, id: string, n: number): Revision | null => {
    const row = one.get({ resource, id, n });
    if (!row) return null;
    const { snapshot, relationsOnly, ...revision } = row;
    return { ...revision, record: recordOf(resource, id, { n, snapshot, relationsOnly }) };
  });

  return {
    /** A listener for a resource's repository: the record after each write (before it, for a delete), on the write's `tx`. */
    follow(resource: string) {
      return (event: WriteEvent<StoredRecord>, tx: StatementExecutor) => {
        const previous = event.kind === 'create' ? null : event.previous;
        return appendRevision(tx, fieldsOf(resource), resource, event.kind === 'delete' ? event.previous : event.record, actionOf(event), event.context.writer, previous);
      };
    },
    /** Newest first, below `before` (the n a previous page ended at). */
    page(resource: string, id: string, limit: number, before = Number.MAX_SAFE_INTEGER): RevisionPage {
      const rows = page.all({ resource, id, before, limit: limit + 1 });
      return { rows: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1]!.n : null };
    },
    /** The number the record's next revision takes (1 for a record without any): read it inside the write's transaction. */
    nextNumber(resource: string, id: string): number {
      return (last.get({ resource, id })?.n ?? 0) + 1;
    },
    find: readTogether,
  };
}

export type RevisionStore = ReturnType<typeof revisionStore>;
