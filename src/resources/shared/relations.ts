import { eq, getTableColumns, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../db/database.js';

/** A list-valued property of a record, kept in its own table. */
export interface Relation {
  key: string;
  /** Loads the lists of many records with one statement, whatever their number. */
  load(parentIds: string[]): Map<string, unknown[]>;
  /** Replaces a record's list; absent on reverse relations, which are read-only. */
  save?(parentId: string, items: unknown[]): void;
}

/** `column IN (the ids)` as one bound JSON array, so the statement can be prepared once for any number of ids. */
export const inIdList = (column: SQLiteColumn, placeholder = 'ids') =>
  sql`${column} in (select value from json_each(${sql.placeholder(placeholder)}))`;

type Row = Record<string, unknown>;

interface ListRelationOptions<T extends SQLiteTable> {
  key: string;
  table: T;
  /** The property of the table's rows that holds the parent's id. */
  parent: keyof T['$inferSelect'] & string;
  toItem(row: T['$inferSelect']): unknown;
  /** How an item is stored; leave it out for a read-only (reverse) relation. */
  toRow?(item: never, parentId: string, position: number): T['$inferInsert'];
  /** Order within one parent; defaults to the `position` column. */
  orderBy?: SQLiteColumn;
}

export function listRelation<T extends SQLiteTable>(db: Db, options: ListRelationOptions<T>): Relation {
  const columns = getTableColumns(options.table) as Record<string, SQLiteColumn>;
  const parentColumn = columns[options.parent]!;
  const order = options.orderBy ?? columns.position!;
  const select = db
    .select()
    .from(options.table as SQLiteTable)
    .where(inIdList(parentColumn))
    .orderBy(parentColumn, order)
    .prepare();

  const relation: Relation = {
    key: options.key,
    load(parentIds) {
      const lists = new Map<string, unknown[]>(parentIds.map((id) => [id, []]));
      for (const row of select.all({ ids: JSON.stringify(parentIds) }) as Row[]) {
        lists.get(row[options.parent] as string)?.push(options.toItem(row as T['$inferSelect']));
      }
      return lists;
    },
  };
  const toRow = options.toRow;
  if (toRow) {
    const remove = db.delete(options.table).where(eq(parentColumn, sql.placeholder('id'))).prepare();
    relation.save = (parentId, items) => {
      remove.run({ id: parentId });
      if (items.length === 0) return;
      db.insert(options.table)
        .values(items.map((item, position) => toRow(item as never, parentId, position)))
        .run();
    };
  }
  return relation;
}
