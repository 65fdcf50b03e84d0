import { desc, eq, getTableColumns, lt, or, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../db/database.js';
import { newId, now } from '../../db/ids.js';
import { KhabarError } from '../../errors.js';
import type { Relation } from './relations.js';

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

export interface ResourceSpec<Input> {
  table: ResourceTable;
  /** Singular noun used in messages: "person". */
  noun: string;
  relations: Relation[];
  /** Columns computed from the write body rather than copied from it. */
  derive?(input: Input): Record<string, unknown>;
  references(input: Input): Reference[];
  /** Extra rules a write must satisfy, given the id being written (null on create). */
  validate?(input: Input, id: string | null): void;
  /** Why the record cannot be deleted, or null when it can. */
  inUse?(id: string): string | null;
}

export interface Page<Rec> {
  rows: Rec[];
  nextCursor: string | null;
  total: number;
}

/** Who is writing: the name of the API token, or a tool such as the seed. */
export interface WriteContext {
  writer: string;
}

export type WriteEvent<Rec> =
  | { kind: 'create' | 'replace'; record: Rec; context: WriteContext }
  | { kind: 'delete'; id: string; context: WriteContext };

export interface Repository<Rec, Input> {
  list(options: { limit: number; after?: string | undefined }): Page<Rec>;
  find(idOrSlug: string): Rec | null;
  create(input: Input, context?: WriteContext): Rec;
  replace(idOrSlug: string, input: Input, context?: WriteContext): Rec | null;
  remove(idOrSlug: string, context?: WriteContext): boolean;
  /**
   * Runs `listener` after every write, inside the write's transaction: what it writes (search index,
   * mentions, provenance) commits or rolls back with the record.
   */
  onWrite(listener: (event: WriteEvent<Rec>) => void): void;
}

const systemWriter: WriteContext = { writer: 'system' };

const lastId = '\uffff';
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

function sqliteCode(error: unknown): string | undefined {
  const e = error as { code?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code;
}

export function createRepository<Rec extends { id: string }, Input>(db: Db, spec: ResourceSpec<Input>): Repository<Rec, Input> {
  const { table } = spec;
  const findOne = db
    .select()
    .from(table as SQLiteTable)
    .where(or(eq(table.id, sql.placeholder('key')), eq(table.slug, sql.placeholder('key'))))
    .limit(1)
    .prepare();
  const page = db
    .select()
    .from(table as SQLiteTable)
    .where(lt(table.id, sql.placeholder('after')))
    .orderBy(desc(table.id))
    .limit(sql.placeholder('limit'))
    .prepare();
  const count = db.select({ n: sql<number>`count(*)` }).from(table as SQLiteTable).prepare();
  const listeners: Array<(event: WriteEvent<Rec>) => void> = [];
  const emit = (event: WriteEvent<Rec>) => {
    for (const listener of listeners) listener(event);
  };
  const existsIn = new Map<ResourceTable, (id: string) => boolean>();

  function exists(target: ResourceTable, id: string): boolean {
    let check = existsIn.get(target);
    if (!check) {
      const statement = db.select({ id: target.id }).from(target as SQLiteTable).where(eq(target.id, sql.placeholder('id'))).prepare();
      check = (value) => statement.get({ id: value }) !== undefined;
      existsIn.set(target, check);
    }
    return check(id);
  }

  function withRelations(rows: Record<string, unknown>[]): Rec[] {
    const ids = rows.map((row) => row.id as string);
    const loaded = spec.relations.map((relation) => [relation.key, relation.load(ids)] as const);
    return rows.map((row) => {
      const record: Record<string, unknown> = { ...row };
      for (const [key, lists] of loaded) record[key] = lists.get(row.id as string) ?? [];
      return record as Rec;
    });
  }

  function checkReferences(input: Input, id: string | null) {
    const missing = spec.references(input).filter((ref) => !exists(ref.table, ref.id));
    if (missing.length > 0) {
      const errors = missing.map((ref) => ({ path: ref.path, message: `no record with id ${ref.id}` }));
      throw new KhabarError('unknown_reference', `${errors[0]!.path} refers to a record that does not exist`, errors);
    }
    spec.validate?.(input, id);
  }

  const rowFrom = (input: Input) => ({
    ...columnValues(table, input as Record<string, unknown>),
    ...spec.derive?.(input),
  });

  function saveRelations(id: string, input: Input) {
    const values = input as Record<string, unknown>;
    for (const relation of spec.relations) relation.save?.(id, (values[relation.key] as unknown[] | undefined) ?? []);
  }

  /**
   * Runs a write in one transaction and turns constraint failures into problems that name the field.
   * IMMEDIATE takes the write lock at the start: a deferred transaction that reads first cannot wait for a
   * writer in another process (WORKERS > 1) and fails with SQLITE_BUSY instead.
   */
  function write<T>(action: () => T): T {
    try {
      return db.transaction(action, { behavior: 'immediate' });
    } catch (error) {
      if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new KhabarError('slug_taken', `another ${spec.noun} already has this slug`, [{ path: 'slug', message: 'already in use' }]);
      }
      throw error;
    }
  }

  const find = (idOrSlug: string): Rec | null => {
    const row = findOne.get({ key: idOrSlug }) as Record<string, unknown> | undefined;
    return row ? withRelations([row])[0]! : null;
  };

  return {
    list({ limit, after }) {
      const rows = page.all({ after: after ?? lastId, limit: limit + 1 }) as Record<string, unknown>[];
      const more = rows.length > limit;
      const pageRows = more ? rows.slice(0, limit) : rows;
      return {
        rows: withRelations(pageRows),
        nextCursor: more ? (pageRows.at(-1)!.id as string) : null,
        total: (count.get() as { n: number }).n,
      };
    },
    find,
    create(input, context = systemWriter) {
      return write(() => {
        checkReferences(input, null);
        const id = newId();
        const at = now();
        db.insert(table).values({ ...rowFrom(input), id, version: 1, created_at: at, updated_at: at }).run();
        saveRelations(id, input);
        const record = find(id)!;
        emit({ kind: 'create', record, context });
        return record;
      });
    },
    replace(idOrSlug, input, context = systemWriter) {
      return write(() => {
        const current = find(idOrSlug);
        if (!current) return null;
        checkReferences(input, current.id);
        db.update(table)
          .set({ ...rowFrom(input), version: sql`${table.version} + 1`, updated_at: now() })
          .where(eq(table.id, current.id))
          .run();
        saveRelations(current.id, input);
        const record = find(current.id)!;
        emit({ kind: 'replace', record, context });
        return record;
      });
    },
    remove(idOrSlug, context = systemWriter) {
      return write(() => {
        const current = find(idOrSlug);
        if (!current) return false;
        const reason = spec.inUse?.(current.id);
        if (reason) throw new KhabarError('in_use', `this ${spec.noun} cannot be deleted: ${reason}`);
        db.delete(table).where(eq(table.id, current.id)).run();
        emit({ kind: 'delete', id: current.id, context });
        return true;
      });
    },
    onWrite(listener) {
      listeners.push(listener);
    },
  };
}
