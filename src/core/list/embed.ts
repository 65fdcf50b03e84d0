import { sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import type { Shaping } from './query.js';
import type { IncludeSpec, ListSpec } from './spec.js';

type Item = Record<string, unknown>;
/** A record as stored: every record has its id. */
type Row = Item & { id: string };

/** What the embedder needs of each resource: its records by id as embedded, relations loaded, in one bounded batch. */
export type Sources = Record<string, { findEmbedded(ids: string[]): Array<{ id: string }> }>;

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
 * to more (a page always holds one record). Each embedded record is a row read at random and serialized.
 */
export const maxEmbeddedPerPage = 200;

/** Loads, for many records at once, the ids of the newest records that point at them through a link table. */
function reverseLoader(db: Db, include: Extract<IncludeSpec, { kind: 'reverse' }>) {
  // Per owner, its newest links straight off the (owner, item) index: a ministry with thousands of articles costs its 20.
  const newest = sql`select distinct ${include.item} as item from ${include.table} where ${include.owner} = owners.value order by ${include.item} desc limit ${sql.raw(String(maxReverseEmbedded))}`;
  const select = db
    .select({ owner: sql<string>`owners.value`, items: sql<string>`(select json_group_array(item) from (${newest}))` })
    .from(sql`json_each(${sql.placeholder('ids')}) as owners`)
    .prepare();
  return (ownerIds: string[]): Map<string, string[]> => new Map(select.all({ ids: JSON.stringify(ownerIds) }).map(({ owner, items }) => [owner, JSON.parse(items)]));
}

/**
 * Applies `include` and `fields` to a page of records. The cost is bounded by the include paths, never by
 * the page size: one statement per reverse relation, then one batch per embedded type (a statement plus
 * one per relation of that type), whatever the number of records.
 */
export function createEmbedder(db: Db, spec: ListSpec, sources: Sources) {
  const reverse = new Map(Object.entries(spec.include).flatMap(([path, include]) => (include.kind === 'reverse' ? [[path, reverseLoader(db, include)] as const] : [])));

  /** The ids each include refers to, per record. */
  function referencedIds(records: Row[], path: string, include: IncludeSpec): Map<string, string[]> {
    if (include.kind === 'reverse') return reverse.get(path)!(records.map((record) => record.id));
    return new Map(
      records.map((record) => {
        if (include.kind !== 'nested') return [record.id, idsIn(record[include.from])];
        const items = (record[include.list] as Item[] | undefined) ?? [];
        return [record.id, items.flatMap((item) => idsIn(item[include.from]))];
      }),
    );
  }

  /** Each embedded type loaded once, for all the records and paths that need it, narrowed by `fields[type]`. */
  function loadTargets(wanted: Map<string, Set<string>>, shaping: Shaping): Map<string, Row> {
    const found = new Map<string, Row>();
    for (const [target, ids] of wanted) {
      for (const record of sources[target]!.findEmbedded([...ids])) found.set(`${target}:${record.id}`, project(record, shaping.embeddedFields?.[target]));
    }
    return found;
  }

  /** The leading records whose embedded records, counted once each, stay within the page's bound; at least one. */
  function recordsWithinBound(records: Row[], includes: Array<readonly [string, IncludeSpec]>, referenced: Map<string, Map<string, string[]>>) {
    const wanted = new Map<string, Set<string>>();
    let embedded = 0;
    let kept = 0;
    for (const record of records) {
      const fresh = new Map<string, Set<string>>();
      for (const [path, include] of includes) {
        const seen = wanted.get(include.target);
        const ids = fresh.get(include.target) ?? new Set<string>();
        for (const id of referenced.get(path)!.get(record.id)!) if (!seen?.has(id)) ids.add(id);
        fresh.set(include.target, ids);
      }
      const count = [...fresh.values()].reduce((n, ids) => n + ids.size, 0);
      if (kept > 0 && embedded + count > maxEmbeddedPerPage) break;
      for (const [target, ids] of fresh) wanted.set(target, new Set([...(wanted.get(target) ?? []), ...ids]));
      embedded += count;
      kept++;
    }
    return { kept, wanted };
  }

  /** The page's leading records that fit the bound on embedded records (all of them without includes), shaped. */
  return (page: Row[], shaping: Shaping): Row[] => {
    const includes = (shaping.include ?? []).map((path) => [path, spec.include[path]!] as const);
    const referenced = new Map(includes.map(([path, include]) => [path, referencedIds(page, path, include)]));
    const { kept, wanted } = recordsWithinBound(page, includes, referenced);
    const records = page.slice(0, kept);
    const found = loadTargets(wanted, shaping);
    const lookup = (target: string, id: unknown) => found.get(`${target}:${String(id)}`);

    const baseKeys = includes.flatMap(([, include]) => (include.kind === 'nested' ? [include.list] : []));
    const fields = shaping.fields ? new Set([...shaping.fields, ...baseKeys]) : undefined;
    return records.map((record) => {
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
  };
}
