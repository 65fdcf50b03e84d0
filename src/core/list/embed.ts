import { sql } from 'drizzle-orm';
import type { StatementExecutor } from '../db/statements.js';
import type { ListPage, Shaping } from './query.js';
import type { IncludeSpec, ListSpec } from './spec.js';
import { type Audience, perAudience, type Visibility, visibilityValues } from './visibility.js';

type Item = Record<string, unknown>;
/** A record as stored: every record has its id. */
type Row = Item & { id: string };

/** A page as the embedder reads it: its ids up front, its records read as it goes (see ListPage). */
type Page = Pick<ListPage<Row>, 'ids' | 'batches'>;

/** What the embedder needs of each resource: its records by id as embedded, relations loaded, in one bounded batch (RecordReads). */
export type Sources = Record<string, { findEmbedded(ids: string[], visibility: Visibility): Promise<Array<{ id: string }>> }>;

const idsIn = (value: unknown): string[] => (Array.isArray(value) ? value : value ? [value] : []).filter((id): id is string => typeof id === 'string');

/** Keeps `id` and the named fields of a record; all of it when no fields are named. */
function project(record: Row, fields: Iterable<string> | undefined): Row {
  if (!fields) return record;
  const shown: Row = { id: record.id };
  for (const field of fields) if (field in record) shown[field] = record[field];
  return shown;
}

/**
 * The most records a reverse relation embeds per record, the newest: a ministry is the subject of thousands of
 * articles, and a page of ministries with all of theirs would cost the server seconds. The full list is a
 * filtered list away (`/v1/articles?filter[organisation]=…`).
 */
export const maxReverseEmbedded = 20;

/**
 * The most records a page embeds: a list page with includes ends early, with a cursor, once its records refer
 * to more (a page always holds one record). Each embedded record is a row read at random and serialized: at
 * 100, a page of every include stays well within the request budget (docs/security.md).
 */
export const maxEmbeddedPerPage = 100;

/**
 * How many of a page's records are read at a time when it embeds: a page that reaches its bound on embedded
 * records after a few records reads about those, not the rest of its 100.
 */
export const readBatch = 10;

/**
 * Reads the ids of the newest records that point at each of a page's records through a link table, `readBatch`
 * owners a statement as the page's records are read, so that the records past the page's bound on embedded
 * records are never looked up.
 */
function reverseReader(statements: StatementExecutor, include: Extract<IncludeSpec, { kind: 'reverse' }>) {
  const { dialect } = statements;
  const query = (audience: Audience) => {
    // The public's newest links name records it sees: the condition is tested on each link the index walk reads.
    const visible = audience === 'public' && include.visibleItem ? sql` and ${include.visibleItem(include.item)}` : sql``;
    // Per owner, its newest links straight off the (owner, item) index: a ministry with thousands of articles costs its 20.
    const newest = sql`select distinct ${include.item} as item from ${include.table} where ${include.owner} = owners.value${visible} order by ${include.item} desc limit ${sql.raw(String(maxReverseEmbedded))}`;
    return sql<{
      owner: string;
      items: string;
    }>`select owners.value as owner, (select ${dialect.jsonList(sql`item`, sql`item desc`)} from (${newest}) as newest) as items from ${dialect.inList(sql.placeholder('ids'))} as owners`;
  };
  const prepared = perAudience((audience) => statements.prepare(query(audience)));
  return (ownerIds: string[], visibility: Visibility) => {
    const read = new Map<string, string[]>();
    let listed = 0;
    return {
      /** The ids of the newest records pointing at `ownerId`, one of the page's owners, read in their order: owners deleted since the page was listed are passed over. */
      async next(ownerId: string): Promise<string[]> {
        while (!read.has(ownerId) && listed < ownerIds.length) {
          const batch = ownerIds.slice(listed, listed + readBatch);
          listed += batch.length;
          for (const { owner, items } of await prepared[visibility.audience].all({ ids: JSON.stringify(batch), ...visibilityValues(visibility) })) read.set(owner, JSON.parse(items));
        }
        const items = read.get(ownerId);
        if (!items) throw new Error(`a reverse include read no row for ${ownerId}`);
        return items;
      },
    };
  };
}

/**
 * Applies `include` and `fields` to a page of records. The cost is bounded by the include paths, never by
 * the page size: a statement per reverse relation and `readBatch` records read, then one batch per embedded type
 * (a statement, relations loaded), whatever the number of records.
 */
export function createEmbedder(statements: StatementExecutor, spec: ListSpec, sources: Sources) {
  const reverse = new Map(Object.entries(spec.include).flatMap(([path, include]) => (include.kind === 'reverse' ? [[path, reverseReader(statements, include)] as const] : [])));

  /** The ids an include other than a reverse one refers to: the record holds them. */
  function heldIds(record: Row, include: IncludeSpec): string[] {
    if (include.kind === 'nested') return ((record[include.list] as Item[] | undefined) ?? []).flatMap((item) => idsIn(item[include.from]));
    return include.kind === 'reverse' ? [] : idsIn(record[include.from]);
  }

  /**
   * Each embedded type loaded once, for all the records and paths that need it: as read (`embedded`, keyed by
   * type and id) and narrowed by `fields[type]` (`found`). The types' batches are asked for together, so an
   * engine with a pool may answer them at once.
   */
  async function loadTargets(wanted: Map<string, Set<string>>, shaping: Shaping, visibility: Visibility) {
    const embedded = new Map<string, Row>();
    const found = new Map<string, Row>();
    const batches = await Promise.all([...wanted].map(async ([target, ids]) => [target, await sources[target]!.findEmbedded([...ids], visibility)] as const));
    for (const [target, records] of batches) {
      for (const record of records) {
        const key = `${target}:${record.id}`;
        embedded.set(key, record);
        found.set(key, project(record, shaping.embeddedFields?.[target]));
      }
    }
    return { embedded, found };
  }

  /**
   * The leading records whose embedded records, counted once each, stay within the page's bound (at least one),
   * whether the bound cut the page, and the ids each include refers to per record. Records and their reverse
   * relations are read as they are counted, so the records past the bound cost little or no reading.
   */
  async function recordsWithinBound(page: Page, includes: Array<readonly [string, IncludeSpec]>, visibility: Visibility) {
    const readers = new Map(includes.flatMap(([path]) => (reverse.has(path) ? [[path, reverse.get(path)!(page.ids, visibility)] as const] : [])));
    const records: Row[] = [];
    let cut = false;
    const referenced = new Map(includes.map(([path]) => [path, new Map<string, string[]>()]));
    const wanted = new Map<string, Set<string>>();
    let embedded = 0;
    for await (const batch of page.batches(includes.length > 0 ? readBatch : undefined)) {
      for (const record of batch) {
        const ids: string[][] = [];
        for (const [path, include] of includes) {
          const reader = readers.get(path);
          ids.push(reader ? await reader.next(record.id) : heldIds(record, include));
        }
        const fresh = new Map<string, Set<string>>();
        includes.forEach(([, include], i) => {
          const seen = wanted.get(include.target);
          const targetIds = fresh.get(include.target) ?? new Set<string>();
          for (const id of ids[i]!) if (!seen?.has(id)) targetIds.add(id);
          fresh.set(include.target, targetIds);
        });
        const count = [...fresh.values()].reduce((n, targetIds) => n + targetIds.size, 0);
        cut = records.length > 0 && embedded + count > maxEmbeddedPerPage;
        if (cut) break;
        for (const [target, targetIds] of fresh) wanted.set(target, new Set([...(wanted.get(target) ?? []), ...targetIds]));
        includes.forEach(([path], i) => {
          referenced.get(path)!.set(record.id, ids[i]!);
        });
        embedded += count;
        records.push(record);
      }
      if (cut) break;
    }
    return { records, cut, wanted, referenced };
  }

  /**
   * The page's leading records that fit the bound on embedded records (all of them without includes) as read
   * (`records`), shaped (`data`), and whether the bound cut the page short; and what the shaped records follow
   * from besides the records and the shaping: the ids each include referred to per record (`referenced`, by path
   * and record id) and the embedded records as read (`embedded`, by type and id).
   */
  return async (page: Page, shaping: Shaping, visibility: Visibility) => {
    const includes = (shaping.include ?? []).map((path) => [path, spec.include[path]!] as const);
    const { records, cut, wanted, referenced } = await recordsWithinBound(page, includes, visibility);
    const { embedded, found } = await loadTargets(wanted, shaping, visibility);
    const lookup = (target: string, id: unknown) => found.get(`${target}:${String(id)}`);

    const baseKeys = includes.flatMap(([, include]) => (include.kind === 'nested' ? [include.list] : []));
    const fields = shaping.fields ? new Set([...shaping.fields, ...baseKeys]) : undefined;
    const data = records.map((record) => {
      // A copy when anything is embedded: the stored record, and the ETag its revision gives, stay as stored.
      const shown = fields ? project(record, fields) : includes.length > 0 ? { ...record } : record;
      for (const [path, include] of includes) {
        const ids = referenced.get(path)!.get(record.id)!;
        if (include.kind === 'one') shown[path] = ids.length ? (lookup(include.target, ids[0]) ?? null) : null;
        else if (include.kind === 'nested') {
          const key = path.split('.').at(-1)!;
          shown[include.list] = (shown[include.list] as Item[]).map((item) => ({ ...item, [key]: lookup(include.target, item[include.from]) ?? null }));
        } else shown[path] = ids.map((id) => lookup(include.target, id)).filter((item) => item !== undefined);
      }
      return shown;
    });
    return { records, data, cut, referenced, embedded };
  };
}
