import type { SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { z } from 'zod';
import type { StatementExecutor } from '../db/statements.js';

/**
 * What a resource allows in its list queries. Each resource declares one of these in its `list.ts`;
 * everything else (parsing, validation, SQL, cursors, embedding, the OpenAPI parameters) is generic.
 */
export interface ListSpec {
  /** Sortable fields; each column has an index on (column, id). */
  sort: Record<string, SQLiteColumn>;
  filters: Record<string, FilterSpec>;
  /** Include paths: `people`, `participants.person`. */
  include: Record<string, IncludeSpec>;
  /** Extra query parameters that restrict the listed ids (see ListExtension). */
  extensions?: ListExtension[];
  /** An index that answers `contains` (see SubstringIndex); without one, `contains` tests every row. */
  substrings?: SubstringIndex;
  /**
   * Columns a read derives a field of about their size from (an article's blocks give its plain text): counted
   * twice against a page's byte budget, since the page holds them twice.
   */
  derivedFrom?: SQLiteColumn[];
  /**
   * The rows the public sees, when not all (articles: published and due), as a condition on the row that binds
   * `now` (list/visibility.ts): every public statement of the resource holds it, lists, counts, lookups and embeds.
   * Its table declares partial indexes of the rows it selects, led by each sort column and the id: a public walk seeks them.
   */
  visibleWhen?: SQL;
  /** Parameter examples for the OpenAPI document, taken from the seed. */
  examples: { sort: string; filter: Record<string, unknown>; fields: string; include: string };
}

/** How a filter's values are typed and which operators it takes. */
export type ValueType = 'text' | 'date' | 'id' | 'enum';

export type FilterSpec =
  | { kind: 'column'; column: SQLiteColumn; type: ValueType; values?: readonly string[] }
  /** A relation through a link table: the listed record's id is in `owner` where `value` matches. */
  | { kind: 'link'; value: SQLiteColumn; owner: SQLiteColumn };

/** A column compared as typed values; enums take their values from the Drizzle column. */
export const columnFilter = (column: SQLiteColumn, type: ValueType = 'text'): FilterSpec => {
  const values = (column as { enumValues?: readonly string[] }).enumValues;
  return values && type === 'text' ? { kind: 'column', column, type: 'enum', values } : { kind: 'column', column, type };
};

export const linkFilter = (value: SQLiteColumn, owner: SQLiteColumn): FilterSpec => ({ kind: 'link', value, owner });

/** `target` names the embedded resource (`people`); the registry checks at start that it is one of its names. */
export type IncludeSpec =
  /** A column holding one id: `host_organisation_id` embedded as `host`. */
  | { kind: 'one'; from: string; target: string }
  /** A list of ids: `person_ids` embedded as `people`. */
  | { kind: 'many'; from: string; target: string }
  /** An id inside each item of a list: `participants[].person_id` embedded as `participants[].person`. */
  | { kind: 'nested'; list: string; from: string; target: string }
  /**
   * Records that point at this one through a link table: the meetings a person took part in; `visibleItem`, the
   * condition on `item` under which the public sees the record it names (articles).
   */
  | { kind: 'reverse'; table: SQLiteTable; owner: SQLiteColumn; item: SQLiteColumn; target: string; visibleItem?: (item: SQLiteColumn) => SQL };

export const embedOne = (from: string, target: string): IncludeSpec => ({ kind: 'one', from, target });
export const embedMany = (from: string, target: string): IncludeSpec => ({ kind: 'many', from, target });
export const embedNested = (list: string, from: string, target: string): IncludeSpec => ({ kind: 'nested', list, from, target });
export const embedReverse = (table: SQLiteTable, owner: SQLiteColumn, item: SQLiteColumn, target: string, visibleItem?: (item: SQLiteColumn) => SQL): IncludeSpec => ({
  kind: 'reverse',
  table,
  owner,
  item,
  target,
  visibleItem,
});

/** Where a listing reads: made where the listing is, so its lookups are its engine's (`ListExtension.prepare`, `SubstringIndex.prepare`). */
export interface ListingSource {
  /** The pages, counts, records and lookups: on either engine. */
  statements: StatementExecutor;
  /** The change stamp remembered totals (and `q=`'s terms' counts) are kept under (db/change-stamp.ts). */
  stamp: () => string;
}

/**
 * A value looked up in a full-text index (search's `q`, the trigram index's `contains`), on a listing's executor.
 * Listing every match costs as many index entries as match, tens of thousands for a common word: the list engine
 * lists at most a bounded number (the condition then seeks those ids) and, for a value that matches more, tests each
 * row it reads instead (`probe`), as many rows as its budget of index reads allows (`cost`).
 */
export interface LookedUp {
  /** The value as the index reads it: with the query's shape, what a remembered total is kept under. */
  key: string;
  /** The ids of the records whose entry matches, at most `most`, in any order. */
  matches(most: number): Promise<string[]>;
  /** The index lists one match's listing, or one row's probe, reads. */
  cost: number;
  /** The test of a row read, when more match than are listed; none when the row's own test decides (a `contains`, which the list engine adds). */
  probe?: Probe;
}

/** A row's test against its own index entry: one condition per lookup, whatever the value, so the statements holding it are prepared once. */
export interface Probe {
  /** That the entry of a row of `table` matches the value bound as `name`. */
  condition(table: SQLiteTable & { id: SQLiteColumn }, name: string): SQL;
  value: string;
}

/**
 * Extension point: another module (full-text search's `q=`) adds a query parameter that restricts the listed
 * records to the matches of an index lookup, without changing the list module. `schema` validates the
 * parameter; `prepare`, once per listing on its engine (and change stamp, which what it remembers is kept under),
 * gives what a value looks up.
 */
export interface ListExtension<T = unknown> {
  name: string;
  schema: z.ZodType<T>;
  prepare(source: ListingSource): { lookUp(value: T): Promise<LookedUp> };
}

/**
 * Extension point for `contains`: an index of the substrings of text columns (full-text search's trigram
 * index), so that an exact substring match need not read every row. Prepared once per listing on its engine, it
 * looks up a column's value, or says it cannot (undefined: another column, or a value too short for it); what it
 * looks up may be a part of the value: the list engine tests each row it reads for the whole value.
 */
export interface SubstringIndex {
  prepare(source: ListingSource): (column: SQLiteColumn, value: string) => LookedUp | undefined;
}

export const defineList = (spec: ListSpec): ListSpec => spec;

/** Filters every resource has: by id, slug and last change. */
export const recordFilters = (table: { id: SQLiteColumn; slug: SQLiteColumn; updated_at: SQLiteColumn }) => ({
  id: columnFilter(table.id, 'id'),
  slug: columnFilter(table.slug),
  updated_at: columnFilter(table.updated_at, 'date'),
});
