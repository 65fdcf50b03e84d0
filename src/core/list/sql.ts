import { and, count, getTableColumns, not, or, type SQL, sql } from 'drizzle-orm';
import { getTableConfig, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { memoAtStamp, type StampedValues } from '../db/change-stamp.js';
import type { Dialect } from '../db/dialect.js';
import { firstNamed, type Query, type Statement, statement } from '../db/statements.js';
import { KhabarError } from '../errors.js';
import { inIdList } from '../resources/shared/relations.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Condition, ListPage, ListQuery, Operator, SortKey, Total } from './query.js';
import type { FilterSpec, ListingSource, ListSpec, LookedUp } from './spec.js';
import { type Audience, everything, memoFits, perAudience, type Visibility, visibilityValues } from './visibility.js';

type Table = SQLiteTable & { id: SQLiteColumn };
type Row = Record<string, unknown>;
type CursorValue = string | number | null;
interface Restrictions {
  conditions: SQL[];
  /** Whether each condition is answered by an index rather than by testing rows. */
  seeks: boolean[];
  /** The column each condition bounds on its index, when it is a column filter's. */
  bounds: Array<SQLiteColumn | undefined>;
  /** The filters' values: with the shape, what a remembered total is kept under. */
  values: Row;
  /** What the statements bind: the values and the visibility's. */
  bound: Row;
  shape: unknown[];
  /** The most rows a bounded page or count reads: `maxExamined`, or fewer when a condition probes an index per row (see `lookupCondition`). */
  examined: number;
  /** The public's rule (ListSpec.visibleWhen), for a public reader of a resource that has one. */
  visible?: SQL;
}
/** Where a bounded read takes its rows: the rows conditions `at` together list (every row when none), and how many, up to maxExamined. */
interface Source {
  at: number[];
  candidates: number;
  /** The column whose index lists them: for a public read, the partial index it leads (see `publicIndexes`). */
  leading: SQLiteColumn | undefined;
}

const placeholder = (name: string) => sql.placeholder(name);
/**
 * The most prepared statements, and the most remembered totals, a listing keeps: query shapes and filter values
 * come from clients, so both memories are bounded (statements by evicting the oldest, totals the least recently used).
 */
export const maxCachedShapes = 500;

/**
 * The query shapes a listing names on PostgreSQL, the first met: a pooled connection keeps each named statement (and
 * the server its plan) until it closes, and shapes come from clients, so the rest run unnamed, planned per call.
 */
export const maxNamedShapes = 64;

/**
 * The most bytes of text a page holds (stored, and derived: see ListSpec.derivedFrom): a page ends early, with a cursor, once its records would pass
 * it, so a page of megabyte reports costs what one does. A page always holds at least one record.
 */
export const pageByteBudget = 1024 * 1024;

/**
 * How many rows of the sort order, per record of the page, a filtered page walks before it leaves the plan
 * to SQLite: a filter that passes one row in ten finds its page there (see `page`).
 */
const headRows = 10;

/**
 * The most rows a page or a count reads once the head of the sort order has not held the page: a page takes
 * the matches of a filter whose index lists fewer candidates, or else walks this far in the sort order and
 * may end short (even empty) with a cursor; a count that stops here says "at least" what it found.
 */
export const maxExamined = 2_000;

/**
 * What reading a lookup's matches may cost, in matches times the posting lists each reads (LookedUp.cost):
 * FTS5 reads them lazily, well under a microsecond each, so a word's 2,000 matches cost a few milliseconds,
 * and 32 words' 125.
 */
const listingBudget = 4_000;

/**
 * The same for probing each row a page or a count reads against a lookup that matched more than it lists:
 * each probe seeks its lists afresh, about 10 µs each, so a walk of them costs a few milliseconds.
 */
const probeBudget = 500;

/** Operators a filtered column's index answers by seeking, so its candidates are counted without reading rows. */
const seekingOperators = new Set<Operator>(['eq', 'lt', 'lte', 'gt', 'gte', 'in', 'startswith', 'null']);

/** Counting stops here: `meta.total` is exact below it, and past it says "at least this many". */
export const maxCounted = 1_000;

/** The bytes of a row's stored values, each read from its header where the engine can (Dialect.storedBytes). */
const storedBytes = (dialect: Dialect, columns: SQLiteColumn[]) =>
  sql.join(
    columns.map((column) => sql`coalesce(${dialect.storedBytes(column)}, 0)`),
    sql` + `,
  );

/**
 * A sort key's order. NULLs sort lowest, as SQLite sorts them and its indexes hold them, said explicitly, since
 * PostgreSQL sorts them highest (SQLite still walks its index for it); a column that holds none needs no word.
 */
const ordered = (column: SQLiteColumn, descending: boolean) => {
  if (column.notNull) return descending ? sql`${column} desc` : sql`${column} asc`;
  return descending ? sql`${column} desc nulls last` : sql`${column} asc nulls first`;
};

/** How many of the leading rows fit the byte budget, and at least one. */
function rowsWithinBudget(sizes: number[]): number {
  let bytes = 0;
  let n = 0;
  while (n < sizes.length && (n === 0 || bytes + sizes[n]! <= pageByteBudget)) bytes += sizes[n++]!;
  return n;
}

/**
 * The condition one filter puts on the listed rows, in an engine's dialect; every value is a placeholder named
 * `name`. A `contains` the substring index answers is looked up there (`lookupCondition`); this one tests each row.
 */
export function filterCondition(dialect: Dialect, table: Table, filter: FilterSpec, { op, value }: Condition, name: string): SQL {
  if (filter.kind === 'link') {
    const owners = (where: SQL) => sql`${table.id} in (select ${filter.owner} from ${filter.owner.table} where ${where})`;
    const match = op === 'in' || op === 'nin' ? inIdList(filter.value, name, dialect) : sql`${filter.value} = ${placeholder(name)}`;
    return op === 'ne' || op === 'nin' ? not(owners(match)) : owners(match);
  }
  const column = filter.column;
  const p = placeholder(name);
  switch (op) {
    case 'eq':
      return sql`${column} = ${p}`;
    case 'ne':
      return dialect.distinctFrom(column, p);
    case 'lt':
      return sql`${column} < ${p}`;
    case 'lte':
      return sql`${column} <= ${p}`;
    case 'gt':
      return sql`${column} > ${p}`;
    case 'gte':
      return sql`${column} >= ${p}`;
    case 'in':
      return inIdList(column, name, dialect);
    case 'nin':
      return sql`(${not(inIdList(column, name, dialect))} or ${column} is null)`;
    case 'contains':
      return dialect.contains(column, p);
    case 'startswith':
      // A range rather than LIKE, so the column's index serves it.
      return sql`${column} >= ${p} and ${column} < ${placeholder(`${name}_end`)}`;
    case 'null':
      return value ? sql`${column} is null` : sql`${column} is not null`;
  }
}

/** Placeholder values for one filter. */
export function filterValues({ op, value }: Condition, name: string): Row {
  if (op === 'null') return {};
  if (Array.isArray(value)) return { [name]: JSON.stringify(value) };
  if (op === 'startswith') return { [name]: value, [`${name}_end`]: `${String(value)}\u{10FFFF}` };
  return { [name]: value };
}

/** The rows after the cursor's row in this order: the keyset condition, NULLs sorting lowest (see `ordered`). */
function afterCursor(columns: SQLiteColumn[], keys: SortKey[], values: CursorValue[]): SQL | undefined {
  const disjuncts: SQL[] = [];
  for (let j = 0; j < columns.length; j++) {
    const column = columns[j]!;
    const value = values[j]!;
    const p = placeholder(`c${j}`);
    let beyond: SQL | undefined;
    if (!keys[j]!.descending) beyond = value === null ? sql`${column} is not null` : sql`${column} > ${p}`;
    else if (value !== null) beyond = column.notNull ? sql`${column} < ${p}` : sql`(${column} < ${p} or ${column} is null)`;
    if (!beyond) continue;
    const equalBefore = columns.slice(0, j).map((c, i) => (values[i] === null ? sql`${c} is null` : sql`${c} = ${placeholder(`c${i}`)}`));
    disjuncts.push(and(...equalBefore, beyond)!);
  }
  return or(...disjuncts) ?? sql`0`;
}

/** A bound on the leading sort key that the keyset implies, so SQLite can seek the index instead of walking it. */
function leadingBound(column: SQLiteColumn, key: SortKey, value: CursorValue): SQL | undefined {
  if (value === null) return key.descending ? sql`${column} is null` : undefined;
  if (!key.descending) return sql`${column} >= ${placeholder('c0')}`;
  return column.notNull ? sql`${column} <= ${placeholder('c0')}` : undefined;
}

function decodeKeyset(cursor: string, signature: string, length: number): CursorValue[] {
  const decoded = decodeCursor(cursor) as { s?: unknown; k?: unknown };
  const key = decoded?.k;
  const valid = Array.isArray(key) && key.length === length && key.every((v) => v === null || ['string', 'number'].includes(typeof v));
  if (!valid || decoded.s !== signature) {
    throw new KhabarError('validation_failed', 'cursor is not one this API issued for this sort; start again without it', [
      { path: 'querystring.cursor', message: 'not a cursor of this list and sort' },
    ]);
  }
  return key as CursorValue[];
}

/**
 * Lists the rows of `table` a query selects (as `selection`, its columns by default), in keyset pages. Each
 * query shape (sort, filter fields and operators, cursor NULL pattern, extensions) is prepared once and
 * reused with new values. `meta.total` is counted up to `countCap`; a bounded page or count reads at most `examined` rows.
 */
export function createListing(
  source: ListingSource,
  table: Table,
  spec: ListSpec,
  selection: Record<Audience, Record<string, SQLiteColumn | SQL>> = { all: getTableColumns(table), public: getTableColumns(table) },
  { countCap = maxCounted, examined = maxExamined } = {},
) {
  const columns = getTableColumns(table);
  const { statements, stamp } = source;
  const { dialect } = statements;
  const sortColumn = (field: string) => (field === 'id' ? table.id : spec.sort[field]!);
  const cache = new Map<string, Statement<Row>>();
  const useOf = firstNamed(maxNamedShapes);
  const byIds = perAudience((audience) =>
    statements.prepare(
      statement
        .select(selection[audience])
        .from(table)
        .where(inIdList(table.id, 'ids', dialect)),
    ),
  );
  const rowBytes = storedBytes(dialect, [...Object.values(columns), ...(spec.derivedFrom ?? [])]);
  const handle = dialect.rowHandle(table, table.id);
  /**
   * The table's partial indexes (those of the public's rows, ListSpec.visibleWhen), by their leading column. A
   * public statement names the one its walk or seek needs: SQLite's planner, knowing no row counts, would take
   * the status index and sort every public row instead.
   */
  const publicIndexes = new Map(
    getTableConfig(table)
      .indexes.filter((index) => index.config.where !== undefined)
      .map((index) => [index.config.columns[0], index.config.name] as const),
  );
  /** The table as a statement reads it: for a public reader, on the partial index led by `leading` when there is one. */
  const readFrom = ({ visible }: Restrictions, leading: SQLiteColumn | undefined) => {
    const index = visible && leading && publicIndexes.get(leading);
    return index ? dialect.onPartialIndex(table, index) : table;
  };

  // The lookups of the listing's engine, prepared once.
  const lookupOf = new Map((spec.extensions ?? []).map((extension) => [extension, extension.prepare(source)]));
  const substrings = spec.substrings?.prepare(source);
  /** What the substring index looks up for this condition, when the list has one that answers it. */
  const substringLookup = (filter: FilterSpec, { op, value }: Condition) => (op === 'contains' && filter.kind === 'column' ? substrings?.(filter.column, value as string) : undefined);
  /**
   * A lookup's condition: the ids of its matches when they are few enough to read within `listingBudget` (read
   * once, then bound, so the condition seeks them like any index), or else its probe of each row read (none when
   * the row's own test decides), whose cost bounds how many rows are (see `restrictions`).
   */
  async function lookupCondition(looked: LookedUp, name: string) {
    const cost = Math.max(1, looked.cost);
    const most = Math.max(1, Math.min(examined, Math.floor(listingBudget / cost)));
    const ids = await looked.matches(most + 1);
    if (ids.length <= most) return { condition: inIdList(table.id, name, dialect), bind: JSON.stringify(ids), shape: 'listed', cost: 0 };
    const { probe } = looked;
    return { condition: probe?.condition(table, name), bind: probe?.value, shape: 'probed', cost: probe ? cost : 0 };
  }

  function prepared(shape: string, build: () => Query<Row>): Statement<Row> {
    let known = cache.get(shape);
    if (!known) {
      known = statements.prepare(build(), useOf(shape));
      if (cache.size >= maxCachedShapes) cache.delete(cache.keys().next().value!);
      cache.set(shape, known);
    }
    return known;
  }

  /**
   * The query's conditions, their values and shape, and which of them an index answers (`seeks`). The public's
   * rule (ListSpec.visibleWhen) is one more seeking condition (its resource's partial indexes hold the rows it
   * selects), and part of every other seek, so a public page or count never examines a row the reader cannot see.
   */
  async function restrictions(query: ListQuery, visibility: Visibility): Promise<Restrictions> {
    const conditions: SQL[] = [];
    const seeks: boolean[] = [];
    const bounds: Array<SQLiteColumn | undefined> = [];
    const values: Row = {};
    // What a lookup binds (its matches' ids, or its probe), beside the value a remembered total is kept under.
    const lookups: Row = {};
    const shape: unknown[] = [];
    let probeCost = 0;
    const lookedUp = async (looked: LookedUp, name: string) => {
      const { condition, bind, shape, cost } = await lookupCondition(looked, name);
      if (condition) {
        conditions.push(condition);
        seeks.push(shape === 'listed');
        bounds.push(undefined);
        lookups[name] = bind;
      }
      values[name] = looked.key;
      probeCost += cost;
      return shape;
    };
    for (const [i, condition] of (query.filters ?? []).entries()) {
      const filter = spec.filters[condition.field]!;
      const looked = substringLookup(filter, condition);
      if (looked) {
        shape.push([condition.field, condition.op, await lookedUp(looked, `f${i}`)]);
        // The index looks up the value's head only (SubstringIndex.bind): each row read is tested for all of it.
        conditions.push(filterCondition(dialect, table, filter, condition, `f${i}_whole`));
        seeks.push(false);
        bounds.push(undefined);
        Object.assign(values, filterValues(condition, `f${i}_whole`));
        continue;
      }
      conditions.push(filterCondition(dialect, table, filter, condition, `f${i}`));
      seeks.push(filter.kind === 'link' ? ['eq', 'in'].includes(condition.op) : seekingOperators.has(condition.op));
      bounds.push(filter.kind === 'column' && seekingOperators.has(condition.op) ? filter.column : undefined);
      Object.assign(values, filterValues(condition, `f${i}`));
      shape.push([condition.field, condition.op, condition.op === 'null' ? condition.value : 0]);
    }
    for (const extension of spec.extensions ?? []) {
      const value = query.extensions?.[extension.name];
      if (value === undefined) continue;
      shape.push([extension.name, await lookedUp(await lookupOf.get(extension)!.lookUp(value), `e_${extension.name}`)]);
    }
    const visible = visibility.audience === 'public' ? spec.visibleWhen : undefined;
    if (visible) shape.push('public');
    // Each row read is probed against every lookup that matched too much: the rows read are what the budget allows.
    const rows = probeCost > 0 ? Math.max(1, Math.min(examined, Math.floor(probeBudget / probeCost))) : examined;
    return {
      conditions: visible ? [...conditions, visible] : conditions,
      seeks,
      bounds,
      values,
      bound: { ...values, ...lookups, ...visibilityValues(visibility), examined: rows },
      shape,
      examined: rows,
      visible,
    };
  }

  /**
   * Where a bounded page or count reads: the seeking condition with the fewest candidates in its index
   * (`at`), or every row when none seeks; its candidates are counted up to `examined` without reading a row.
   */
  async function narrowest(restricted: Restrictions): Promise<Source> {
    const { conditions, seeks, bounds, bound, shape, visible } = restricted;
    // Conditions on one column together are one range of its index (published_at from one date to another).
    const groups = new Map<unknown, number[]>();
    seeks.forEach((seeking, at) => {
      if (seeking) groups.set(bounds[at] ?? at, [...(groups.get(bounds[at] ?? at) ?? []), at]);
    });
    // The public's candidates are public rows: its rule (the last condition) joins each seek.
    const publicRule = visible ? [conditions.length - 1] : [];
    let best: Source | undefined;
    for (const group of groups.size > 0 ? groups.values() : [[]]) {
      const at = [...group, ...publicRule];
      // The public's rows alone are listed on any of its partial indexes: the id's.
      const leading = group.length > 0 ? bounds[group[0]!] : table.id;
      const candidates = prepared(JSON.stringify(['candidates', at.map((i) => shape[i]), at]), () => {
        const listed = statement
          .select({ one: sql`1` })
          .from(readFrom(restricted, leading))
          .where(and(...at.map((i) => conditions[i]!)))
          .limit(placeholder('examined'))
          .as('listed');
        return statement.select({ n: count() }).from(listed);
      });
      const { n } = (await candidates.get(bound)) as { n: number };
      if (!best || n < best.candidates) best = { at, candidates: n, leading };
      if (n === 0) break;
    }
    return best!;
  }

  /** The handles of the rows a source's conditions list, at most `examined`: where a bounded page or count reads. */
  const candidatesOf = (restricted: Restrictions, { at, leading }: Source) =>
    statement
      .select({ row: sql<number>`${handle}`.as('row') })
      .from(readFrom(restricted, leading))
      .where(and(...at.map((i) => restricted.conditions[i]!)))
      .limit(placeholder('examined'))
      .as('head');

  /** The matches among a source's candidates, read from the table and tested against every condition, up to the cap. */
  async function countMatches(restricted: Restrictions, source: Source): Promise<number> {
    const { conditions, bound, shape } = restricted;
    const counting = prepared(JSON.stringify(['count', shape, source.at]), () => {
      const head = candidatesOf(restricted, source);
      const counted = statement
        .select({ one: sql`1` })
        .from(head)
        .crossJoin(table)
        .where(and(sql`${handle} = ${head.row}`, ...conditions))
        .limit(countCap)
        .as('counted');
      return statement.select({ n: count() }).from(counted);
    });
    const { n } = (await counting.get(bound)) as { n: number };
    return n;
  }

  /** A total and how many records could leave the selection before it reads differently (ListPage.totalMargin). */
  type Counted = Total & { margin: number };

  // Kept only if the stamp has not moved since it was read: a count read across awaits may be older than a commit.
  const totals = memoAtStamp<Counted>(stamp, maxCachedShapes);

  /**
   * How many records the restrictions select, counted up to the cap. Counting walks an index of the
   * selection on every page, so the number is kept until the database changes, or for the public until the
   * next scheduled publication (it is part of the key) when the schedule was read at the memo's stamp.
   */
  async function total(restricted: Restrictions, visibility: Visibility, remembered: StampedValues<Counted>, known?: Source): Promise<Counted> {
    const { conditions, values, shape } = restricted;
    const key = JSON.stringify([shape, values, visibility.audience === 'public' ? visibility.nextPublication : null]);
    const memo = memoFits(visibility, remembered.stamp) ? remembered : undefined;
    let n = memo?.get(key);
    if (n === undefined) {
      // The rows counted are the narrowest candidates: all of them when fewer than examined.
      const source = known ?? (await narrowest(restricted));
      // Candidates that meet every condition are the matches: their count, read from the index, is the total,
      // without reading each row again from the table.
      const counted = source.at.length === conditions.length ? Math.min(source.candidates, countCap) : await countMatches(restricted, source);
      const allExamined = source.candidates < restricted.examined;
      // Matches counted on the index past the cap: as many could leave the selection and the total read the same.
      const margin = counted === countCap && source.at.length === conditions.length ? source.candidates - countCap : 0;
      n = { value: counted, relation: counted < countCap && allExamined ? 'eq' : 'gte', margin };
      memo?.set(key, n);
    }
    return n;
  }

  /** The sort keys with the id tie-break, which runs in the direction of the last key (newest first by default). */
  function orderOf(sort: SortKey[] = []): SortKey[] {
    if (sort.at(-1)?.field === 'id') return sort;
    return [...sort, { field: 'id', descending: sort.at(-1)?.descending ?? true }];
  }

  return {
    async page(query: ListQuery, visibility: Visibility = everything): Promise<ListPage<Row>> {
      // The stamp a total is kept under is read before the page's data: the page's own count of its candidates
      // may become the total, and must not be older than the stamp it is kept under.
      const remembered = query.count === false ? null : totals();
      const keys = orderOf(query.sort);
      const keyColumns = keys.map((key) => sortColumn(key.field));
      const signature = keys.map((key) => `${key.descending ? '-' : ''}${key.field}`).join(',');
      const restricted = await restrictions(query, visibility);
      const { conditions, bound: values, shape } = restricted;
      const after = query.cursor === undefined ? undefined : decodeKeyset(query.cursor, signature, keys.length);
      const position = after ? [afterCursor(keyColumns, keys, after)!, ...[leadingBound(keyColumns[0]!, keys[0]!, after[0]!)].filter((c) => c !== undefined)] : [];
      const order = keys.map((key, i) => ordered(keyColumns[i]!, key.descending));
      // The page's keys and sizes first; its records are read once the byte budget has said how many.
      // As SQL rather than columns: a public walk reads the table under an index's name, which the query builder does not take for the table.
      const sortKeys = Object.fromEntries(keyColumns.map((column, i) => [`k${i}`, sql`${column}`]));
      const output = { id: table.id, bytes: rowBytes, ...sortKeys };
      const key = JSON.stringify([signature, shape, after?.map((v) => v === null)]);
      const bound = { ...values, ...Object.fromEntries((after ?? []).map((v, i) => [`c${i}`, v])), limit: query.limit + 1 };
      type Candidate = { id: string; bytes: number } & Row;
      /** The matches among the rows `head` lists, in the page's order. */
      const matchesIn = (head: ReturnType<typeof candidatesOf>) =>
        statement
          .select(output)
          .from(head)
          .crossJoin(table)
          .where(and(sql`${handle} = ${head.row}`, ...conditions, ...position))
          .orderBy(...order)
          .limit(placeholder('limit'));
      // A filter on the leading sort column bounds the walk on the sort's index, so the walk starts at its matches.
      // A public walk walks the public rows only (a partial index holds them), so its resume cursor is a public row's.
      const onSortIndex = [...conditions.filter((_, i) => restricted.bounds[i] === keyColumns[0]), ...(restricted.visible ? [restricted.visible] : [])];
      /** `limit` rows from the page's position in the sort order (after `offset`), on the sort's index, as the walk reads them. */
      const inOrder = (selection: Record<string, SQLiteColumn | SQL>, limit: number | ReturnType<typeof placeholder>, offset: number | ReturnType<typeof placeholder> = 0) =>
        statement
          .select(selection)
          .from(readFrom(restricted, keyColumns[0]))
          .where(and(...position, ...onSortIndex))
          .orderBy(...order)
          .limit(limit)
          .offset(offset);
      let candidates: Candidate[];
      // The narrowest filter's candidates, once counted for the page, serve its total too.
      let source: Source | undefined;
      let resumeAt: Row | undefined;
      if (conditions.length === 0) {
        candidates = (await prepared(`page ${key}`, () => inOrder(output, placeholder('limit'))).all(bound)) as Candidate[];
      } else {
        // SQLite plans a filtered page by a filter's index and then sorts every match, all of a broad filter's,
        // or walks the sort's index reading every row a narrow filter rejects. The head of the sort order holds
        // a broad filter's page; a narrow filter's few candidates are sorted; otherwise the page walks a bounded
        // stretch of the sort order and, short of matches there, ends early with a cursor where it stopped.
        const walk = prepared(`walk ${key}`, () =>
          matchesIn(
            statement
              .select({ row: sql<number>`${handle}`.as('row') })
              .from(readFrom(restricted, keyColumns[0]))
              .where(and(...position, ...onSortIndex))
              .orderBy(...order)
              .limit(placeholder('head'))
              .as('head'),
          ),
        );
        const reach = restricted.examined;
        const head = Math.min(headRows * bound.limit, reach);
        candidates = (await walk.all({ ...bound, head })) as Candidate[];
        if (candidates.length < bound.limit) {
          const narrow = await narrowest(restricted);
          source = narrow;
          if (narrow.at.length > 0 && narrow.candidates < reach) {
            candidates = (await prepared(`narrow ${key} ${narrow.at}`, () => matchesIn(candidatesOf(restricted, narrow))).all(bound)) as Candidate[];
          } else {
            if (head < reach) candidates = (await walk.all({ ...bound, head: reach })) as Candidate[];
            const stop = prepared(`stop ${key}`, () => inOrder(sortKeys, 1, placeholder('stop')));
            if (candidates.length < bound.limit) resumeAt = await stop.get({ ...bound, stop: reach - 1 });
          }
        }
      }
      const kept = candidates.slice(0, rowsWithinBudget(candidates.slice(0, query.limit).map((row) => row.bytes)));
      // The candidates whose records have been read, for the cursor after any of them.
      const found: Candidate[] = [];
      async function* batches(size = kept.length) {
        for (let at = 0; at < kept.length; at += size) {
          const slice = kept.slice(at, at + size);
          const rows = await byIds[visibility.audience].all({ ids: JSON.stringify(slice.map((row) => row.id)), ...visibilityValues(visibility) });
          const byId = new Map(rows.map((row) => [row.id, row]));
          const batch: Row[] = [];
          for (const candidate of slice) {
            const record = byId.get(candidate.id);
            // A record deleted between the two reads is left out, as if the page had been read a moment later.
            if (!record) continue;
            found.push(candidate);
            batch.push(record);
          }
          yield batch;
        }
      }
      const cursorOf = (row: Row) => encodeCursor({ s: signature, k: keyColumns.map((_, i) => row[`k${i}`] ?? null) });
      const page = {
        ids: kept.map((row) => row.id),
        batches,
        nextCursor: kept.length < candidates.length ? cursorOf(kept.at(-1)!) : resumeAt ? cursorOf(resumeAt) : null,
        cursorAfter: (index: number) => cursorOf(found[index]!),
      };
      if (remembered === null) return page;
      // A count that read only some candidates is a lower bound, and so are the matches this page found.
      const { margin, ...counted } = await total(restricted, visibility, remembered, source);
      return { ...page, total: counted.relation === 'gte' && counted.value < candidates.length ? { ...counted, value: candidates.length } : counted, totalMargin: margin };
    },
  };
}
