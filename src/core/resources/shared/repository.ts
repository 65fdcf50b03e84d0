import { and, eq, getTableColumns, getTableName, or, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { rowInserter, rowUpdater } from '../../db/bulk.js';
import { problemOf } from '../../db/constraints.js';
import { type Dialect, perDialect } from '../../db/dialect.js';
import { newId, now } from '../../db/ids.js';
import { type StatementExecutor, statement } from '../../db/statements.js';
import { KhabarError } from '../../errors.js';
import type { ListPage, ListQuery } from '../../list/query.js';
import type { ListSpec } from '../../list/spec.js';
import { createListing } from '../../list/sql.js';
import { type Audience, everything, perAudience, type Visibility, visibilityValues } from '../../list/visibility.js';
import { inIdList, type LinkTable, type Relation } from './relations.js';
import { revisionFrom, setRevision } from './revision.js';

/** The columns every resource table has (see db/columns.ts). */
export type ResourceTable = SQLiteTable & {
  id: SQLiteColumn;
  slug: SQLiteColumn;
  version: SQLiteColumn;
  created_at: SQLiteColumn;
  updated_at: SQLiteColumn;
};

/** A reference a write body makes to another record, checked before anything is written. */
export interface Reference {
  path: string;
  table: ResourceTable;
  id: string;
}

export interface ResourceSpec<Input, Rec = unknown> {
  table: ResourceTable;
  /** Singular noun used in messages: "person". */
  noun: string;
  relations: Relation<Input>[];
  /** What lists of this resource may be sorted and filtered by. */
  list: ListSpec;
  /** Columns a record embedded by `include` leaves out (see list/view.ts). */
  unembedded?: readonly string[];
  /** Fields a read derives from the stored columns, each with its derivation (not stored: an article's plain text, migration 0010). */
  computed?: { readonly [field: string]: (record: Rec) => unknown };
  references(input: Input): Reference[];
  /** What the server fills in of a write body, given the stored record it replaces (null on create). */
  complete?(input: Input, current: Rec | null): Input;
  /** Extra rules a write must satisfy, given the id being written (null on create), checked on the write's executor (`tx`). */
  validate?(tx: StatementExecutor, input: Input, id: string | null): void | Promise<void>;
  /** Why the record cannot be deleted, or null when it can, as the write's executor (`tx`) sees it. */
  inUse?(tx: StatementExecutor, id: string): string | null | Promise<string | null>;
}

/** Who is writing: the name of the API token, or a tool such as the seed. */
export interface WriteContext {
  writer: string;
  /** The revision whose content this write puts back (see core/revisions). */
  restoring?: number;
}

/**
 * A deleted record brought back under its id, at a version past every one it had (the number of the revision
 * its restore writes): a version never repeats, so an ETag or If-Match of an earlier content cannot match it.
 */
interface ReturningRecord {
  id: string;
  version: number;
}

export type WriteEvent<Rec> =
  /** `fresh`: the create made the record's id, so nothing was ever stored under it (no revision, trash entry, mention or schedule). */
  | { kind: 'create'; record: Rec; context: WriteContext; fresh: boolean }
  | { kind: 'replace'; record: Rec; previous: Rec; context: WriteContext }
  | { kind: 'delete'; id: string; previous: Rec; context: WriteContext };

/** Optimistic concurrency: the write goes ahead only if the record is still at this version. */
export interface WriteGuard {
  expectedVersion?: number | undefined;
}

/**
 * The reads the web layer makes of one resource, on a statement executor (either engine, docs/postgresql.md): the
 * same statements, from the same definitions, as the repository's own finds, which a write makes inside its transaction.
 */
export interface RecordReads<Rec> {
  /** Null also when the reader does not see it. */
  find(idOrSlug: string, visibility?: Visibility): Promise<Rec | null>;
  /** The id of the record with this id or slug, without reading the record: for routes about a record's facts. */
  idOf(idOrSlug: string, visibility?: Visibility): Promise<string | null>;
  /**
   * The revision (`revisionOf`) the record with this id or slug has as `visibility` sees it, without reading its
   * other columns; null when the reader does not see it. What a kept answer is checked against (web/http/response-cache.ts).
   */
  revision(idOrSlug: string, visibility: Visibility): Promise<string | null>;
  /**
   * The records with these ids that the reader sees, as `include` embeds them (without the spec's `unembedded`
   * columns), relations loaded, with one statement whatever the number of ids.
   */
  findEmbedded(ids: string[], visibility: Visibility): Promise<Array<Partial<Rec> & { id: string }>>;
  /** A keyset page of the records a query selects that the reader sees (see src/core/list). */
  list(query: ListQuery, visibility?: Visibility): Promise<ListPage<Rec>>;
}

/** A listener the repository awaits inside a write's transaction, given the write's executor (`tx`); in registration order. */
type Listener<Args extends unknown[]> = (...args: [...Args, tx: StatementExecutor]) => void | Promise<void>;

export interface Repository<Rec, Input> {
  /** The record with this id or slug as a write's transaction (`tx`) sees it, null when there is none. */
  findIn(tx: StatementExecutor, idOrSlug: string): Promise<Rec | null>;
  /** The records with these ids as a write's transaction sees them, in one statement and no order: a bulk load's (the synthetic loader's first revisions). */
  findManyIn(tx: StatementExecutor, ids: readonly string[]): Promise<Rec[]>;
  /** Its finds and lists prepared on `statements`, for the web layer's reads: once per executor. Totals are kept while `stamp` (the engine's change stamp) stays. */
  reads(statements: StatementExecutor, stamp: () => string): RecordReads<Rec>;
  /**
   * The writes run in a write's transaction, on its executor (`tx`: group commit's on SQLite, `postgresWrite`'s on
   * PostgreSQL, `writeOnSqlite`'s for tools). `returning` is given only to bring a deleted record back under its own id.
   */
  create(tx: StatementExecutor, input: Input, context?: WriteContext, returning?: ReturningRecord): Promise<Rec>;
  /** Null when there is no such record; throws precondition_failed when `guard` names another version. */
  replace(tx: StatementExecutor, idOrSlug: string, input: Input, context?: WriteContext, guard?: WriteGuard): Promise<Rec | null>;
  remove(tx: StatementExecutor, idOrSlug: string, context?: WriteContext, guard?: WriteGuard): Promise<boolean>;
  /**
   * Runs `listener` after every write, inside the write's transaction: what it writes (revisions, the change feed,
   * search index, mentions, provenance) commits or rolls back with the record.
   */
  onWrite(listener: Listener<[event: WriteEvent<Rec>]>): void;
  /**
   * Runs `listener` inside a delete's transaction just before the row goes, while the link rows other records
   * hold to it (which go with it) can still be read: what the trash keeps of them (core/trash).
   */
  onRemoving(listener: Listener<[record: Rec, context: WriteContext]>): void;
  /**
   * Runs `listener` inside the transaction of a create under an id used before (a restore), once the row and its
   * lists are in, before the record is read back (and the write listeners run); a create that made its id has nothing to bring back.
   */
  onInserted(listener: Listener<[id: string]>): void;
  /** The tables that hold this resource's writable lists, each row owned by the record that lists it. */
  linkTables: readonly LinkTable[];
  /** The fields a read derives from the stored ones (the spec's `computed`), which a stored copy of a record leaves out. */
  computedFields: readonly string[];
  /** A stored copy of a record without its computed fields (a revision) made whole, as a read answers it. */
  withComputed(stored: Rec): Rec;
  /** The fields its relation lists fill: another record's write or delete can change them without a write of this one. */
  relationFields: readonly string[];
}

const systemWriter: WriteContext = { writer: 'system' };

const serverColumns = new Set(['id', 'version', 'created_at', 'updated_at']);

/** The stored column values of a write body: a left-out field takes the column's default, else null. */
function columnValues(table: ResourceTable, input: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (serverColumns.has(key)) continue;
    values[key] = input[key] !== undefined ? input[key] : column.hasDefault ? column.default : null;
  }
  return values;
}

/**
 * Which of the ids a write refers to exist: one statement for all of them (a round trip each was most of what a
 * write does under PostgreSQL's feed lock), a branch per table referred to, each row naming its branch (`t`) so an
 * id of another table never counts. One statement per dialect and list of tables (a handful of tables: bounded).
 */
const referencesFound = (() => {
  const statements = new Map<string, SQL<{ t: number; id: string }>>();
  return (dialect: Dialect, targets: readonly ResourceTable[]): SQL<{ t: number; id: string }> => {
    const key = `${dialect.name}:${targets.map((target) => getTableName(target)).join(',')}`;
    let found = statements.get(key);
    if (!found) {
      const branches = targets.map(
        (target, t) => sql`select ${sql.raw(String(t))} as ${sql.identifier('t')}, ${target.id} as ${sql.identifier('id')} from ${target} where ${inIdList(target.id, `r${t}`, dialect)}`,
      );
      found = sql<{ t: number; id: string }>`${sql.join(branches, sql` union all `)}`;
      statements.set(key, found);
    }
    return found;
  };
})();

/** Awaits each listener in turn (one that returns nothing costs no await). */
async function runEach<Args extends unknown[]>(listeners: ReadonlyArray<Listener<Args>>, args: Args, tx: StatementExecutor): Promise<void> {
  for (const listener of listeners) {
    const settled = listener(...args, tx);
    if (settled) await settled;
  }
}

export function createRepository<Rec extends { id: string; version: number }, Input>(spec: ResourceSpec<Input, Rec>): Repository<Rec, Input> {
  const { table } = spec;
  // The public's statements hold the rule on the rows themselves (ListSpec.visibleWhen), bound to the moment.
  const visible = (audience: Audience) => (audience === 'public' ? spec.list.visibleWhen : undefined);
  // No LIMIT: id and slug are unique, and a bound LIMIT makes SQLite's multi-index OR plan slower.
  const byIdOrSlug = or(eq(table.id, sql.placeholder('key')), eq(table.slug, sql.placeholder('key')));
  const unembedded = new Set(spec.unembedded);
  /** The finds, written once; in an engine's dialect, since each record's relation lists are aggregates it spells its own way. */
  const findsIn = (dialect: Dialect) => {
    // Each record's relation lists come back as columns of the same statement (see Relation.column).
    const relationColumns = perAudience((audience) => Object.fromEntries(spec.relations.map((relation) => [relation.key, relation.column(table.id, audience, dialect)])));
    const selection = perAudience((audience) => ({ ...getTableColumns(table), ...relationColumns[audience] }));
    return {
      selection,
      byKey: perAudience((audience) =>
        statement
          .select(selection[audience])
          .from(table)
          .where(and(byIdOrSlug, visible(audience))),
      ),
      idByKey: perAudience((audience) =>
        statement
          .select({ id: sql<string>`${table.id}` })
          .from(table)
          .where(and(byIdOrSlug, visible(audience))),
      ),
      // What a revision is made of: the id, the version and the relation lists.
      revisionByKey: perAudience((audience) =>
        statement
          .select({
            id: sql<string>`${table.id}`,
            version: sql<number>`${table.version}`,
            ...relationColumns[audience],
          })
          .from(table)
          .where(and(byIdOrSlug, visible(audience))),
      ),
      byIds: perAudience((audience) =>
        statement
          .select(Object.fromEntries(Object.entries(selection[audience]).filter(([key]) => !unembedded.has(key))))
          .from(table)
          .where(and(inIdList(table.id, 'ids', dialect), visible(audience))),
      ),
      wholeByIds: statement
        .select(selection.all)
        .from(table)
        .where(inIdList(table.id, 'ids', dialect)),
    };
  };
  // A write's own statements, written once and prepared on each write's executor (`tx`).
  const writeFinds = perDialect(findsIn);
  const insertRow = rowInserter(table);
  const updateRow = rowUpdater(table, 'id', ['created_at']);
  const deleteRow = sql`delete from ${table} where ${eq(table.id, sql.placeholder('id'))}`;
  const listeners: Array<Listener<[event: WriteEvent<Rec>]>> = [];
  const removingListeners: Array<Listener<[record: Rec, context: WriteContext]>> = [];
  const insertedListeners: Array<Listener<[id: string]>> = [];
  const emit = (tx: StatementExecutor, event: WriteEvent<Rec>) => runEach(listeners, [event], tx);

  /** A row's relation lists, in the spec's order: what its revision is made of beside its id and version. */
  const relationLists = (row: Record<string, unknown>) => spec.relations.map((relation) => row[relation.key]);

  function asRecords(rows: Record<string, unknown>[]): Rec[] {
    for (const row of rows) setRevision(row as Rec, relationLists(row));
    return rows as Rec[];
  }

  const computed = Object.entries(spec.computed ?? {});

  /** Sets the fields that are not stored: last, as a read's record has them, or in place when a copy holds them. */
  function withComputed(record: Rec): Rec {
    for (const [field, derive] of computed) Object.assign(record, { [field]: derive(record) });
    return record;
  }

  /** Whole records, with the fields that are not stored computed. */
  function asWholeRecords(rows: Record<string, unknown>[]): Rec[] {
    return asRecords(rows).map(withComputed);
  }

  async function checkReferences(tx: StatementExecutor, input: Input, id: string | null) {
    const references = spec.references(input);
    const targets = [...new Set(references.map((ref) => ref.table))];
    const found = new Set<string>();
    if (targets.length > 0) {
      const lists = Object.fromEntries(targets.map((target, t) => [`r${t}`, JSON.stringify(references.filter((ref) => ref.table === target).map((ref) => ref.id))]));
      for (const row of await tx.prepare(referencesFound(tx.dialect, targets)).all(lists)) found.add(`${row.t}:${row.id}`);
    }
    const missing = references.filter((ref) => !found.has(`${targets.indexOf(ref.table)}:${ref.id}`));
    if (missing.length > 0) {
      const errors = missing.map((ref) => ({ path: ref.path, message: `no record with id ${ref.id}` }));
      throw new KhabarError('unknown_reference', `${errors[0]!.path} refers to a record that does not exist`, errors);
    }
    await spec.validate?.(tx, input, id);
  }

  const rowFrom = (input: Input) => columnValues(table, input as Record<string, unknown>);

  async function saveRelations(tx: StatementExecutor, id: string, input: Input, created: boolean) {
    for (const relation of spec.relations) await relation.save?.(tx, id, input, created);
  }

  /**
   * Runs a write in the caller's transaction (group commit's, `postgresWrite`'s, `writeOnSqlite`'s), whose undoing
   * of a failed write is the caller's, and turns a broken constraint into the problem PostgreSQL's write gives
   * (db/constraints.ts), a taken slug naming its field; checkReferences runs first, so a missing reference
   * reaches the engine only when something removed it in between.
   */
  async function write<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      const problem = problemOf(error);
      if (problem instanceof KhabarError && problem.code === 'slug_taken') {
        throw new KhabarError('slug_taken', `another ${spec.noun} already has this slug`, problem.errors);
      }
      throw problem;
    }
  }

  /** The record as the write's transaction sees it: its own statement, prepared on `tx`. */
  const findIn = async (tx: StatementExecutor, idOrSlug: string): Promise<Rec | null> => {
    const row = await tx.prepare(writeFinds(tx.dialect).byKey.all).get({ key: idOrSlug });
    return row ? asWholeRecords([row])[0]! : null;
  };

  const findManyIn = async (tx: StatementExecutor, ids: readonly string[]): Promise<Rec[]> => asWholeRecords(await tx.prepare(writeFinds(tx.dialect).wholeByIds).all({ ids: JSON.stringify(ids) }));

  /** The stored record a guarded write may change: read inside the write's transaction, so no other write slips in between. */
  async function findCurrent(tx: StatementExecutor, idOrSlug: string, { expectedVersion }: WriteGuard): Promise<Rec | null> {
    const current = await findIn(tx, idOrSlug);
    if (current && expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new KhabarError('precondition_failed', `this ${spec.noun} is at version ${current.version}, not ${expectedVersion}`);
    }
    return current;
  }

  return {
    findIn,
    findManyIn,
    reads(statements, stamp) {
      const finds = findsIn(statements.dialect);
      const listing = createListing({ statements, stamp }, table, spec.list, finds.selection);
      const byKey = perAudience((audience) => statements.prepare(finds.byKey[audience]));
      const idByKey = perAudience((audience) => statements.prepare(finds.idByKey[audience]));
      const revisionByKey = perAudience((audience) => statements.prepare(finds.revisionByKey[audience]));
      const byIds = perAudience((audience) => statements.prepare(finds.byIds[audience]));
      return {
        async find(idOrSlug, visibility = everything) {
          const row = await byKey[visibility.audience].get({ key: idOrSlug, ...visibilityValues(visibility) });
          return row ? asWholeRecords([row])[0]! : null;
        },
        async idOf(idOrSlug, visibility = everything) {
          return (await idByKey[visibility.audience].get({ key: idOrSlug, ...visibilityValues(visibility) }))?.id ?? null;
        },
        async revision(idOrSlug, visibility) {
          const row = await revisionByKey[visibility.audience].get({ key: idOrSlug, ...visibilityValues(visibility) });
          return row ? revisionFrom(row.id, row.version, relationLists(row)) : null;
        },
        async findEmbedded(ids, visibility) {
          // Runs even for no ids, so that what a request costs does not depend on the data.
          return asRecords(await byIds[visibility.audience].all({ ids: JSON.stringify(ids), ...visibilityValues(visibility) }));
        },
        async list(query, visibility = everything) {
          const page = await listing.page(query, visibility);
          return {
            ...page,
            async *batches(size) {
              for await (const rows of page.batches(size)) yield asWholeRecords(rows);
            },
          };
        },
      };
    },
    create(tx, given, context = systemWriter, returning) {
      return write(async () => {
        const input = spec.complete?.(given, null) ?? given;
        await checkReferences(tx, input, null);
        const at = now();
        const id = returning?.id ?? newId();
        await insertRow(tx, { ...rowFrom(input), id, version: returning?.version ?? 1, created_at: at, updated_at: at });
        await saveRelations(tx, id, input, true);
        // Only an id used before can have left something for the listeners to bring back (the trash's links).
        if (returning) await runEach(insertedListeners, [id], tx);
        const record = (await findIn(tx, id))!;
        await emit(tx, { kind: 'create', record, context, fresh: !returning });
        return record;
      });
    },
    replace(tx, idOrSlug, given, context = systemWriter, guard = {}) {
      return write(async () => {
        const current = await findCurrent(tx, idOrSlug, guard);
        if (!current) return null;
        const input = spec.complete?.(given, current) ?? given;
        await checkReferences(tx, input, current.id);
        // The write lock is held since findCurrent read the version: no other write can have moved it.
        await updateRow(tx, current.id, { ...rowFrom(input), version: current.version + 1, updated_at: now() }, current);
        await saveRelations(tx, current.id, input, false);
        const record = (await findIn(tx, current.id))!;
        await emit(tx, { kind: 'replace', record, previous: current, context });
        return record;
      });
    },
    remove(tx, idOrSlug, context = systemWriter, guard = {}) {
      return write(async () => {
        const current = await findCurrent(tx, idOrSlug, guard);
        if (!current) return false;
        const reason = await spec.inUse?.(tx, current.id);
        if (reason) throw new KhabarError('in_use', `this ${spec.noun} cannot be deleted: ${reason}`);
        await runEach(removingListeners, [current, context], tx);
        await tx.prepare(deleteRow).run({ id: current.id });
        await emit(tx, { kind: 'delete', id: current.id, previous: current, context });
        return true;
      });
    },
    onWrite(listener) {
      listeners.push(listener);
    },
    onRemoving(listener) {
      removingListeners.push(listener);
    },
    onInserted(listener) {
      insertedListeners.push(listener);
    },
    linkTables: spec.relations.flatMap((relation) => (relation.links ? [relation.links] : [])),
    computedFields: computed.map(([field]) => field),
    withComputed,
    relationFields: spec.relations.map((relation) => relation.key),
  };
}
