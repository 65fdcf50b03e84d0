import { and, eq, getTableColumns, getTableName, isNull, max, type SQL, sql } from 'drizzle-orm';
import { getTableConfig, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { bulkInserter } from '../db/bulk.js';
import type { Db } from '../db/database.js';
import type { LinkTable } from '../resources/shared/relations.js';
import type { ResourceTable } from '../resources/shared/repository.js';
import type { KeptLink } from './table.js';

/** A foreign key of a link table: the column (by property name) and what SQLite does to it when its target goes. */
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

interface Referrer {
  links: ReferringTable;
  name: string;
  /** The column that names the trashed record. */
  via: LinkKey;
  read: (id: string) => Record<string, unknown>[];
  insert: (row: Record<string, unknown>) => void;
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

/**
 * The rows that reference a record of `table` and that its DELETE takes away (SQLite cascades them, or sets
 * their column to null), derived from the referring tables' foreign keys: kept before the delete, put back as
 * they were (their key included) when the record comes back. A link table's own rows (its owner's list) are
 * not kept here: the record's revision holds them, and the restore writes them again.
 */
export function linkKeeper(db: Db, table: ResourceTable, referringTables: readonly ReferringTable[]) {
  const referrers: Referrer[] = referringTables.flatMap((links) =>
    linkKeys(links.table)
      .filter((key) => key.target === table && key.column !== links.owner && (key.onDelete === 'cascade' || key.onDelete === 'set null'))
      .map((via) => {
        const statement = db
          .select()
          .from(links.table)
          .where(eq(via.column, sql.placeholder('id')))
          .prepare();
        return { links, name: getTableName(links.table), via, read: (id: string) => statement.all({ id }), insert: bulkInserter(db.$client, links.table) };
      }),
  );
  const byName = new Map(referrers.map((referrer) => [`${referrer.name}.${referrer.via.key}`, referrer]));
  const existsIn = new Map<SQLiteTable, (id: unknown) => boolean>();
  const exists = (target: SQLiteTable, id: unknown): boolean => {
    let check = existsIn.get(target);
    if (!check) {
      const [, idColumn] = Object.entries(getTableColumns(target)).find(([key]) => key === 'id')!;
      const statement = db
        .select({ id: idColumn })
        .from(target)
        .where(eq(idColumn, sql.placeholder('id')))
        .prepare();
      check = (value) => statement.get({ id: value }) !== undefined;
      existsIn.set(target, check);
    }
    return check(id);
  };

  /** The row with every reference that still resolves, or null when a reference its owner cannot do without is gone. */
  function resolvable(referrer: Referrer, saved: Record<string, unknown>): Record<string, unknown> | null {
    const row = { ...saved };
    for (const key of linkKeys(referrer.links.table)) {
      const value = row[key.key];
      if (value === null || value === undefined || exists(key.target, value)) continue;
      if (key.onDelete !== 'set null') return null;
      row[key.key] = null;
    }
    return row;
  }

  /**
   * A cascaded row goes back as it was. When its key is taken since: a list's row goes after the list's last
   * item (its key is its owner and its place), another row gets a new key (SQLite numbers an integer key).
   */
  function reinsert(referrer: Referrer, row: Record<string, unknown>) {
    const { table, owner } = referrer.links;
    const key = primaryKeyOf(table);
    const taken = db
      .select({ found: sql`1` })
      .from(table)
      .where(and(...key.map((column) => eq(column, row[keyOf(table, column)]))))
      .get();
    if (taken && owner) {
      const orderColumn = key.find((column) => column !== owner)!;
      const [ownerKey, orderKey] = [keyOf(table, owner), keyOf(table, orderColumn)];
      row[orderKey] =
        Number(
          db
            .select({ last: max(orderColumn) })
            .from(table)
            .where(eq(owner, row[ownerKey]))
            .get()?.last,
        ) + 1;
    } else if (taken) for (const column of key) delete row[keyOf(table, column)];
    referrer.insert(row);
  }

  /** A row whose column was set to null gets the record back, if it is still the row it was. */
  function relink(referrer: Referrer, row: Record<string, unknown>, id: string) {
    const { table } = referrer.links;
    const same: SQL[] = Object.entries(getTableColumns(table)).flatMap(([key, column]) => (key === referrer.via.key ? [isNull(column)] : [row[key] === null ? isNull(column) : eq(column, row[key])]));
    db.update(table)
      .set({ [referrer.via.key]: id })
      .where(and(...same))
      .run();
  }

  return {
    /** The links to record `id`: read them before it is deleted. */
    keep(id: string): KeptLink[] {
      return referrers.flatMap((referrer) => referrer.read(id).map((row) => ({ table: referrer.name, column: referrer.via.key, row })));
    },
    /** Puts kept links back once record `id` is in again; those whose owner (or another reference they need) is gone are dropped. */
    restore(id: string, kept: readonly KeptLink[]) {
      for (const link of kept) {
        const referrer = byName.get(`${link.table}.${link.column}`);
        const row = referrer && resolvable(referrer, link.row);
        if (!referrer || !row) continue;
        if (referrer.via.onDelete === 'set null') relink(referrer, row, id);
        else reinsert(referrer, row);
      }
    },
  };
}
