import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { insertRows } from '../../db/bulk.js';
import { type Dialect, sqliteDialect } from '../../db/dialect.js';
import type { StatementExecutor } from '../../db/statements.js';
import type { Audience } from '../../list/visibility.js';

/** A list-valued property of a record, kept in its own table; `Input` is what a write body holds of it. */
export interface Relation<Input = unknown> {
  key: string;
  /**
   * The list of the parent row as a column of the parent's own select (a correlated subquery aggregating
   * to JSON): a record and all its lists come back from one statement, and a page of records from one. The
   * public's list leaves out the items it does not see (see `visibleItem`). Spelled in the engine's `dialect`.
   */
  column(parentId: SQLiteColumn, audience: Audience, dialect: Dialect): SQL<unknown[]>;
  /**
   * Replaces a record's list with the write body's, in the write's transaction (`tx`); a record `created` in it has no
   * list to remove. Absent on reverse relations, which are read-only.
   */
  save?: (tx: StatementExecutor, parentId: string, input: Input, created: boolean) => Promise<void>;
  /** Where a writable relation keeps its list: rows of `table` whose `owner` column is the parent's id. */
  links?: LinkTable;
}

/** A table of link rows, each owned by the record its `owner` column names (the record whose list holds it). */
export interface LinkTable {
  table: SQLiteTable;
  owner: SQLiteColumn;
}

/**
 * `column IN (the ids)` as one bound JSON array, so the statement can be prepared once for any number of ids; in
 * SQLite's dialect for the statements not yet on the executor (docs/postgresql.md, step 2).
 */
export const inIdList = (column: SQLiteColumn, placeholder = 'ids', dialect: Dialect = sqliteDialect) => sql`${column} in ${dialect.inList(sql.placeholder(placeholder))}`;

/** `inIdList` for an integer key: the listed values are cast, since PostgreSQL compares no integer with text. */
export const inIntegerIdList = (column: SQLiteColumn, placeholder = 'ids', dialect: Dialect = sqliteDialect) =>
  sql`${column} in (select cast(${sql.identifier('value')} as bigint) from ${dialect.inList(sql.placeholder(placeholder))} as ${sql.identifier('listed_ids')})`;

/** What one item of a list is: a column's value, or an object of columns' values. */
type ItemShape = SQLiteColumn | Record<string, SQLiteColumn>;

interface ListRelationOptions<T extends SQLiteTable, K extends string = string> {
  key: K;
  table: T;
  /** The property of the table's rows that holds the parent's id. */
  parent: keyof T['$inferSelect'] & string;
  item: ItemShape;
  /** Order within one parent; defaults to the `position` column. */
  orderBy?: SQLiteColumn;
  /** For items that name records the public may not see (articles): the condition on the item's column under which it does. */
  visibleItem?: (item: SQLiteColumn) => SQL;
}

interface WritableListOptions<T extends SQLiteTable, K extends string, Item> extends ListRelationOptions<T, K> {
  /** How an item of the write body's list (its property `key`) is stored. */
  toRow(item: Item, parentId: string, position: number): T['$inferInsert'];
}

/** What a write body holds of a writable relation: its list under the relation's key. */
type ListInput<K extends string, Item> = { [key in K]?: readonly Item[] | null };

const isColumn = (shape: ItemShape): shape is SQLiteColumn => typeof (shape as SQLiteColumn).mapFromDriverValue === 'function';

/** Column types whose JSON value is already what the record holds; others (booleans stored as 0/1) are decoded. */
const asStored = new Set(['SQLiteText', 'SQLiteInteger', 'SQLiteReal']);
const decodeValue = (column: SQLiteColumn, value: unknown) => (value === null ? null : column.mapFromDriverValue(value));

/** SQL for one item in an engine's dialect, and how an item of the JSON the engine builds becomes the value the record holds (null: as it is). */
function itemCodec(shape: ItemShape): { sql: (dialect: Dialect) => SQL; decode: ((item: unknown) => unknown) | null } {
  if (isColumn(shape)) return { sql: () => sql`${shape}`, decode: asStored.has(shape.columnType) ? null : (value) => decodeValue(shape, value) };
  const entries = Object.entries(shape);
  const decoded = entries.filter(([, column]) => !asStored.has(column.columnType));
  return {
    sql: (dialect) => dialect.jsonObject(entries),
    decode:
      decoded.length === 0
        ? null
        : (item) => {
            const values = item as Record<string, unknown>;
            for (const [name, column] of decoded) values[name] = decodeValue(column, values[name]);
            return values;
          },
  };
}

/** A JSON list column (Dialect.jsonList): always a JSON array; the check costs one test per relation of a record. */
function parseList(text: string): unknown[] {
  const list: unknown = JSON.parse(text);
  if (!Array.isArray(list)) throw new TypeError(`a list relation read ${typeof list}, not an array`);
  return list;
}

/** A relation stored from the write body's list, when `toRow` says how; a read-only (reverse) one without it. */
export function listRelation<T extends SQLiteTable, K extends string, Item>(options: WritableListOptions<T, K, Item>): Relation<ListInput<K, Item>>;
export function listRelation<T extends SQLiteTable>(options: ListRelationOptions<T>): Relation;
export function listRelation<T extends SQLiteTable, K extends string, Item>(options: ListRelationOptions<T, K> & Partial<WritableListOptions<T, K, Item>>): Relation<ListInput<K, Item>> {
  const columns = getTableColumns(options.table) as Record<string, SQLiteColumn>;
  const parentColumn = columns[options.parent]!;
  const order = options.orderBy ?? columns.position!;
  const item = itemCodec(options.item);
  const { decode } = item;
  const decodeList = decode ? (text: string) => parseList(text).map(decode) : parseList;

  const relation: Relation<ListInput<K, Item>> = {
    key: options.key,
    // The rows come ordered from a subquery named as the table (so the item's column references read it):
    // on SQLite not from `json_group_array(… order by …)`, since an aggregate's ORDER BY always sorts in a
    // temporary b-tree, while the subquery's order is the index's (parent, position) and costs nothing. An
    // aggregate over a subquery with ORDER BY is never flattened, so it takes the rows in that order; tests check
    // the order. PostgreSQL's aggregate is given the order (Dialect.jsonList).
    column: (parentId, audience, dialect) => {
      const visible = audience === 'public' && options.visibleItem && isColumn(options.item) ? sql` and ${options.visibleItem(options.item)}` : sql``;
      const list = dialect.jsonList(item.sql(dialect), order);
      return sql<unknown[]>`(select ${list} from (select * from ${options.table} where ${parentColumn} = ${parentId}${visible} order by ${order}) as ${options.table})`.mapWith(decodeList);
    },
  };
  const toRow = options.toRow;
  if (toRow) {
    const remove = sql`delete from ${options.table} where ${parentColumn} = ${sql.placeholder('id')}`;
    relation.links = { table: options.table, owner: parentColumn };
    // Each a round trip on PostgreSQL, inside a write that holds the change feed's lock: the list in one statement.
    relation.save = async (tx, parentId, input, created) => {
      if (!created) await tx.prepare(remove).run({ id: parentId });
      await insertRows(
        tx,
        options.table,
        (input[options.key] ?? []).map((item, position) => toRow(item, parentId, position)),
      );
    };
  }
  return relation;
}
