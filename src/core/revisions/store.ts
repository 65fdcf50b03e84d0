import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { and, desc, eq, getTableColumns, lt, max, sql } from 'drizzle-orm';
import { insertRows } from '../db/bulk.js';
import { now } from '../db/ids.js';
import { type Bindings, type StatementExecutor, statement, unqualified } from '../db/statements.js';
import { byResource, type ResourceName } from '../resources/registry.js';
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
 * relation lists a newest revision keeps (the record's row holds the rest of it).
 */
export type SnapshotFields = Pick<Repository<{ id: string; version: number }, unknown>, 'computedFields' | 'withComputed' | 'relationFields'>;

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
const storeWholeOf = sql`update ${revisions} set ${unqualified(revisions.snapshot)} = ${sql.placeholder('snapshot')}, ${unqualified(revisions.relations_only)} = false
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
const withRelations = (current: Record<string, unknown>, relations: Buffer | string): StoredRecord => ({ ...current, ...parsed(relations) });

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

/** A revision to append: the record after its write (before it, for a delete) and the record it replaces (null for a create). */
interface RevisionOf {
  resource: string;
  record: StoredRecord;
  action: RevisionAction;
  writer: string;
  previous: StoredRecord | null;
  /** A create that made its own id, which no revision can precede: the newest revision is not read. */
  first?: boolean;
}

/**
 * The record's next revision, in a write's transaction on its executor (`tx`, either engine), with the record as it
 * was before the write, which the revision before this one may still be reading.
 */
export async function appendRevision(tx: StatementExecutor, shape: SnapshotShape, { resource, record, action, writer, previous, first = false }: RevisionOf): Promise<void> {
  const newest = first ? undefined : await tx.prepare(newestOf).get({ resource, id: record.id });
  const writes = writesOf(shape, resource, record, action, writer, previous, newest);
  if (writes.storeWhole) await tx.prepare(storeWholeOf).run(writes.storeWhole);
  await tx.prepare(insertRevision).run(writes.append);
}

/**
 * Revision 1 of records a bulk load wrote around their repositories, which have none yet: each what
 * `appendRevision` appends for a create, many to a statement (`insertRows`), in a write's transaction on `tx`.
 */
export async function appendFirstRevisions(tx: StatementExecutor, shape: SnapshotShape, resource: string, records: readonly StoredRecord[], writer: string): Promise<void> {
  const rows = records.map((record) => {
    const { append } = writesOf(shape, resource, record, 'create', writer, null, undefined);
    return { resource, record_id: record.id, n: append.n, action: append.action, snapshot: append.snapshot, relations_only: append.relationsOnly, writer, at: append.at };
  });
  await insertRows(tx, revisions, rows);
}

const summary = { n: revisions.n, action: revisions.action, writer: revisions.writer, at: revisions.at };
const pageOf = statement
  .select(summary)
  .from(revisions)
  .where(and(ofRecord, lt(revisions.n, sql.placeholder('before'))))
  .orderBy(desc(revisions.n))
  .limit(sql.placeholder('limit'));
const lastNumberOf = statement
  .select({ n: max(revisions.n) })
  .from(revisions)
  .where(ofRecord);
/**
 * Revision `n` with the record's row when the revision keeps only its relation lists (a revision stored whole joins
 * none: the row's columns come back null), in one statement: one snapshot on either engine, so a write committed
 * between the two reads cannot pair a revision with a row it does not belong to.
 */
const revisionWithRow = byResource(({ table }) =>
  statement
    .select({ ...summary, ...stored, row: getTableColumns(table) })
    .from(revisions)
    .leftJoin(table, and(eq(table.id, revisions.record_id), revisions.relations_only))
    .where(and(ofRecord, eq(revisions.n, sql.placeholder('n')))),
);

/**
 * Every record's numbered revisions, written by each write's listener inside the write's transaction. A
 * snapshot is the record's JSON without its computed fields, deflated (migration 0015). The newest revision of
 * a record that exists keeps only its relation lists, and is read with the record's row (migration 0017): the
 * row changes only by a write, which first stores that revision whole from the record it replaces. Its reads run
 * on the executor given: a request's read executor, or a write's `tx` to read what the write sees.
 */
export function revisionStore(repositories: Readonly<Record<string, SnapshotFields>>) {
  // Every resource of the registry has its repository there.
  const fieldsOf = (resource: string) => repositories[resource]!;

  return {
    /** A listener for a resource's repository: the record after each write (before it, for a delete), on the write's `tx`. */
    follow(resource: string) {
      return (event: WriteEvent<StoredRecord>, tx: StatementExecutor) => {
        return appendRevision(tx, fieldsOf(resource), {
          resource,
          record: event.kind === 'delete' ? event.previous : event.record,
          action: actionOf(event),
          writer: event.context.writer,
          previous: event.kind === 'create' ? null : event.previous,
          first: event.kind === 'create' && event.fresh,
        });
      };
    },
    /** Newest first, below `before` (the n a previous page ended at). */
    async page(reads: StatementExecutor, resource: string, id: string, limit: number, before = Number.MAX_SAFE_INTEGER): Promise<RevisionPage> {
      const rows = await reads.prepare(pageOf).all({ resource, id, before, limit: limit + 1 });
      return { rows: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1]!.n : null };
    },
    /** The number the record's next revision takes (1 for a record without any): read it on the write's `tx`. */
    async nextNumber(tx: StatementExecutor, resource: string, id: string): Promise<number> {
      return ((await tx.prepare(lastNumberOf).get({ resource, id }))?.n ?? 0) + 1;
    },
    /** Revision `n` of a record with its content as a read answers it; null when there is none. */
    async find(reads: StatementExecutor, resource: ResourceName, id: string, n: number): Promise<Revision | null> {
      const found = await reads.prepare(revisionWithRow[resource]).get({ resource, id, n });
      if (!found) return null;
      const { snapshot, relationsOnly, row, ...revision } = found;
      const fields = fieldsOf(resource);
      if (!relationsOnly) return { ...revision, record: fields.withComputed(parsed(snapshot)) };
      if (row?.id == null) throw new Error(`revision ${n} of ${resource} ${id} keeps only its relations, but the record is gone`);
      return { ...revision, record: fields.withComputed(withRelations(row, snapshot)) };
    },
  };
}

export type RevisionStore = ReturnType<typeof revisionStore>;
