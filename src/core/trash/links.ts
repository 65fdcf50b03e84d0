import { and, eq, getTableColumns, getTableName, isNull, max, not, type SQL, sql } from 'drizzle-orm';
import { getTableConfig, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { rowInserter } from '../db/bulk.js';
import { type Dialect, perDialect } from '../db/dialect.js';
import { type StatementExecutor, statement, unqualified } from '../db/statements.js';
import type { LinkTable } from '../resources/shared/relations.js';
import type { ResourceTable } from '../resources/shared/repository.js';
import type { KeptLink } from './table.js';

/** A foreign key of a link table: the column (by property name) and what the engine does to it when its target goes. */
interface LinkKey {
  key: string;
  column: SQLiteColumn;
  target: SQLiteTable;
  onDelete: string | undefined;
}

/**
 * A table whose rows may reference a record: a resource's list table (its `owner` the record whose list holds
 * a row), or a table of facts about records (mentions, provenance), whose rows no record owns.
 */
export type ReferringTable = Pick<LinkTable, 'table'> & Partial<Pick<LinkTable, 'owner'>>;

/** A table's statements, written once when the keeper is made and prepared on each write's executor (`tx`). */
interface TableStatements {
  /** Whether a row holds the key the row given holds (placeholders: the key's property names). */
  taken: SQL;
  /** For a list table: the last place in the owner's list (placeholder `owner`). */
  lastPlace: ReturnType<typeof lastPlaceOf> | null;
  insert: (tx: StatementExecutor, row: Record<string, unknown>) => Promise<void>;
}

interface Referrer {
  links: ReferringTable;
  name: string;
  /** The column that names the trashed record. */
  via: LinkKey;
  /** The rows that name the record (placeholder `id`). */
  read: ReturnType<typeof rowsNaming>;
  /** For a `set null` key: the row as kept, its column null, given the record back (placeholders: the columns' property names, `restored`). */
  relink: ((dialect: Dialect) => SQL) | null;
  statements: TableStatements;
}

const keyOf = (table: SQLiteTable, column: SQLiteColumn): string => Object.entries(getTableColumns(table)).find(([, each]) => each === column)![0];

function linkKeys(table: SQLiteTable): LinkKey[] {
  return getTableConfig(table).foreignKeys.map((foreignKey) => {
    const reference = foreignKey.reference();
    const column = reference.columns[0]!;
    return { key: keyOf(table, column), column, target: reference.foreignTable, onDelete: foreignKey.onDelete };
  });
}

/** A table's primary key: its declared composite key, or its primary key column. */
function primaryKeyOf(table: SQLiteTable): SQLiteColumn[] {
  const config = getTableConfig(table);
  return config.primaryKeys[0]?.columns ?? config.columns.filter((column) => column.primary);
}

const rowsNaming = (table: SQLiteTable, column: SQLiteColumn) =>
  statement
    .select()
    .from(table)
    .where(eq(column, sql.placeholder('id')));
const lastPlaceOf = (table: SQLiteTable, owner: SQLiteColumn, place: SQLiteColumn) =>
  statement
    .select({ last: max(place) })
    .from(table)
    .where(eq(owner, sql.placeholder('owner')));
const placeholderOf = (column: SQLiteColumn, key: string) => sql.param(sql.placeholder(key), column);

function tableStatements(links: ReferringTable): TableStatements {
  const { table, owner } = links;
  const key = primaryKeyOf(table);
  const place = owner && key.find((column) => column !== owner);
  return {
    taken: sql`select 1 from ${table} where ${and(...key.map((column) => eq(column, placeholderOf(column, keyOf(table, column)))))}`,
    lastPlace: owner && place ? lastPlaceOf(table, owner, place) : null,
    insert: rowInserter(table),
  };
}

/**
 * Sets the record back into the column `via` of the row that was kept, if it is still the row it was: its column
 * null, every other column as kept (a nullable one compared null-safely; a JSON one left out, PostgreSQL's `json`
 * having no equality, the others naming the row).
 */
function relinkOf(table: SQLiteTable, via: LinkKey): (dialect: Dialect) => SQL {
  return perDialect((dialect) => {
    const same = Object.entries(getTableColumns(table)).flatMap(([key, column]): SQL[] => {
      if (column === via.column) return [isNull(column)];
      if (column.dataType === 'json') return [];
      const value = placeholderOf(column, key);
      return [column.notNull ? eq(column, value) : not(dialect.distinctFrom(column, value))];
    });
    return sql`update ${table} set ${unqualified(via.column)} = ${sql.placeholder('restored')} where ${and(...same)}`;
  });
}

/**
 * The rows that reference a record of `table` and that its DELETE takes away (the engine cascades them, or sets
 * their column to null), derived from the referring tables' foreign keys: kept before the delete, put back as
 * they were (their key included) when the record comes back. A link table's own rows (its owner's list) are
 * not kept here: the record's revision holds them, and the restore writes them again. Everything runs on the
 * write's executor (`tx`), in the delete's or the restore's transaction.
 */
export function linkKeeper(table: ResourceTable, referringTables: readonly ReferringTable[]) {
  const statementsOf = new Map(referringTables.map((links) => [links.table, tableStatements(links)]));
  const referrers: Referrer[] = referringTables.flatMap((links) =>
    linkKeys(links.table)
      .filter((key) => key.target === table && key.column !== links.owner && (key.onDelete === 'cascade' || key.onDelete === 'set null'))
      .map((via) => ({
        links,
        name: getTableName(links.table),
        via,
        read: rowsNaming(links.table, via.column),
        relink: via.onDelete === 'set null' ? relinkOf(links.table, via) : null,
        statements: statementsOf.get(links.table)!,
      })),
  );
  const byName = new Map(referrers.map((referrer) => [`${referrer.name}.${referrer.via.key}`, referrer]));
  const existsIn = new Map<SQLiteTable, SQL>();
  const exists = async (tx: StatementExecutor, target: SQLiteTable, id: unknown): Promise<boolean> => {
    let check = existsIn.get(target);
    if (!check) {
      check = sql`select 1 from ${target} where ${eq(getTableColumns(target).id!, sql.placeholder('id'))}`;
      existsIn.set(target, check);
    }
    return (await tx.prepare(check).get({ id })) !== undefined;
  };

  /** The row with every reference that still resolves, or null when a reference its owner cannot do without is gone. */
  async function resolvable(tx: StatementExecutor, referrer: Referrer, saved: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    const row = { ...saved };
    for (const key of linkKeys(referrer.links.table)) {
      const value = row[key.key];
      if (value === null || value === undefined || (await exists(tx, key.target, value))) continue;
      if (key.onDelete !== 'set null') return null;
      row[key.key] = null;
    }
    return row;
  }

  /**
   * A cascaded row goes back as it was. When its key is taken since: a list's row goes after the list's last
   * item (its key is its owner and its place), another row gets a new key (the engine numbers an integer key).
   */
  async function reinsert(tx: StatementExecutor, referrer: Referrer, row: Record<string, unknown>) {
    const { table, owner } = referrer.links;
    const { taken, lastPlace, insert } = referrer.statements;
    const key = primaryKeyOf(table);
    if (await tx.prepare(taken).get(row)) {
      if (owner && lastPlace) {
        const orderKey = keyOf(table, key.find((column) => column !== owner)!);
        row[orderKey] = Number((await tx.prepare(lastPlace).get({ owner: row[keyOf(table, owner)] }))?.last) + 1;
      } else for (const column of key) delete row[keyOf(table, column)];
    }
    await insert(tx, row);
  }

  return {
    /** The links to record `id`, read on the delete's `tx` before the record goes. */
    async keep(tx: StatementExecutor, id: string): Promise<KeptLink[]> {
      const kept: KeptLink[] = [];
      for (const referrer of referrers) for (const row of await tx.prepare(referrer.read).all({ id })) kept.push({ table: referrer.name, column: referrer.via.key, row });
      return kept;
    },
    /** Puts kept links back on the restore's `tx` once record `id` is in again; those whose owner (or another reference they need) is gone are dropped. */
    async restore(tx: StatementExecutor, id: string, kept: readonly KeptLink[]) {
      for (const link of kept) {
        const referrer = byName.get(`${link.table}.${link.column}`);
        const row = referrer && (await resolvable(tx, referrer, link.row));
        if (!referrer || !row) continue;
        if (referrer.relink) await tx.prepare(referrer.relink(tx.dialect)).run({ ...row, restored: id });
        else await reinsert(tx, referrer, row);
      }
    },
  };
}
