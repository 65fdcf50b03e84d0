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

interface Referrer {
  links: LinkTable;
  name: string;
  /** The column that names the trashed record. */
  via: LinkKey;
  read: (id: string) => Record<string, unknown>[];
}

const keyOf = (table: SQLiteTable, column: SQLiteColumn): string => Object.entries(getTableColumns(table)).find(([, each]) => each === column)![0];

function linkKeys(table: SQLiteTable): LinkKey[] {
  return getTableConfig(table).foreignKeys.map((foreignKey) => {
    const reference = foreignKey.reference();
    const column = reference.columns[0]!;
    return { key: keyOf(table, column), column, target: reference.foreignTable, onDelete: foreignKey.onDelete };
  });
}

/**
 * The link rows that other records hold to a record of `table` and that its DELETE takes away (SQLite cascades
 * them, or sets their column to null), derived from the link tables' foreign keys: kept before the delete, put
 * back when the record comes back. A link table's own rows (its owner's list) are not kept here: the record's
 * revision holds them, and the restore writes them again.
 */
export function linkKeeper(db: Db, table: ResourceTable, linkTables: readonly LinkTable[]) {
  const referrers: Referrer[] = linkTables.flatMap((links) =>
    linkKeys(links.table)
      .filter((key) => key.target === table && key.column !== links.owner && (key.onDelete === 'cascade' || key.onDelete === 'set null'))
      .map((via) => {
        const statement = db
          .select()
          .from(links.table)
          .where(eq(via.column, sql.placeholder('id')))
          .prepare();
        return { links, name: getTableName(links.table), via, read: (id: string) => statement.all({ id }) };
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

  /** A cascaded row goes back at its place in its owner's list, or after the list's last item when that place is taken since. */
  function reinsert(referrer: Referrer, row: Record<string, unknown>) {
    const { table, owner } = referrer.links;
    // A link table's key is (owner, place in the owner's list).
    const orderColumn = getTableConfig(table).primaryKeys[0]!.columns[1]!;
    const [ownerKey, orderKey] = [keyOf(table, owner), keyOf(table, orderColumn)];
    const taken = db
      .select({ order: orderColumn })
      .from(table)
      .where(and(eq(owner, row[ownerKey]), eq(orderColumn, row[orderKey])))
      .get();
    if (taken)
      row[orderKey] =
        Number(
          db
            .select({ last: max(orderColumn) })
            .from(table)
            .where(eq(owner, row[ownerKey]))
            .get()?.last,
        ) + 1;
    bulkInserter(db.$client, table)(row);
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
