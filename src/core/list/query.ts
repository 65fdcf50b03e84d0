/** A list request once validated: the rows it selects (the SQL builder's part) and how each is shown (the embedder's). */

export const operators = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'contains', 'startswith', 'null'] as const;
export type Operator = (typeof operators)[number];

export interface SortKey {
  field: string;
  descending: boolean;
}

export interface Condition {
  field: string;
  op: Operator;
  /** A string, a list (`in`, `nin`) or a boolean (`null`). */
  value: string | string[] | boolean;
}

export interface ListQuery extends Shaping {
  limit: number;
  /** Without it: newest first (id descending). */
  sort?: SortKey[];
  filters?: Condition[];
  cursor?: string | undefined;
  /** false skips the count of matching rows. */
  count?: boolean;
  /** Values of the extension parameters given (`q`), by name. */
  extensions?: Record<string, unknown>;
}

/** How many records a query selects: exactly `value` (`eq`), or at least `value` when counting stopped at the cap (`gte`). */
export interface Total {
  value: number;
  relation: 'eq' | 'gte';
}

export interface ListPage<Row> {
  /** The ids of the page's records, in order: known before any record is read. */
  ids: string[];
  /**
   * The page's records in order, in batches of `size` records read as they are iterated (one batch of all by
   * default): a reader that stops early (list/embed.ts) leaves the rest unread. A record deleted since the ids
   * were listed is left out. Batches, not records, are awaited: an await per record would cost a page of 100 its
   * hundreds of promises (docs/performance.md).
   */
  batches(size?: number): AsyncGenerator<Row[]>;
  nextCursor: string | null;
  total?: Total;
  /**
   * With a total, how many records could leave the selection (one at a time: a write changes one record's place)
   * before the total reads differently: those counted past the cap of a total that reads "at least" the cap; 0 for
   * an exact total, whose every change shows.
   */
  totalMargin?: number;
  /** The cursor that continues after the `index`th record `batches` gave: for a page cut shorter as it was read (see list/embed.ts). */
  cursorAfter(index: number): string;
}

/** What to show of each record: `fields` of the listed type, `fields[type]` of embedded ones, and the includes (none when left out). */
export interface Shaping {
  fields?: string[] | undefined;
  embeddedFields?: Record<string, string[]>;
  include?: string[];
}
