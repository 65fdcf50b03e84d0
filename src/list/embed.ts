import { sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/database.js';
import { inIdList } from '../resources/shared/relations.js';
import type { Shaping } from './query.js';
import type { IncludeSpec, ListSpec, ResourceName } from './spec.js';

type Row = Record<string, unknown>;

/** What the embedder needs of each resource: its records by id as embedded, relations loaded, in one bounded batch. */
export type Sources = Record<ResourceName, { findEmbedded(ids: string[]): Array<{ id: string }> }>;

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

/** Loads, for many records at once, the ids of the newest records that point at them through a link table. */
function reverseLoader(db: Db, include: Extract<IncludeSpec, { kind: 'reverse' }>) {
  // The cap is applied in SQL, so a ministry with thousands of articles costs its 20 rows, not thousands.
  const links = db
    .selectDistinct({ owner: sql<string>`${include.owner}`.as('owner'), item: sql<string>`${include.item}`.as('item') })
    .from(include.table as SQLiteTable)
    .where(inIdList(include.owner))
    .as('links');
  const ranked = db
    .select({ owner: links.owner, item: links.item, rank: sql<number>`row_number() over (partition by ${links.owner} order by ${links.item} desc)`.as('rank') })
    .from(links)
    .as('ranked');
  const select = db
    .select({ owner: ranked.owner, item: ranked.item })
    .from(ranked)
    .where(sql`${ranked.rank} <= ${maxReverseEmbedded}`)
    .orderBy(sql`${ranked.owner}`, sql`${ranked.item} desc`)
    .prepare();
  return (ownerIds: string[]): Map<string, string[]> => {
    const lists = new Map<string, string[]>(ownerIds.map((id) => [id, []]));
    for (const { owner, item } of select.all({ ids: JSON.stringify(ownerIds) })) lists.get(owner)!.push(item);
    return lists;
  };
}

/**
 * Applies `include` and `fields` to a page of records. The cost is bounded by the include paths, never by
 * the page size: one statement per reverse relation, then one batch per embedded type (a statement plus
 * one per relation of that type), whatever the number of records.
 */
export function createEmbedder(db: Db, spec: ListSpec, sources: Sources) {
  const reverse = new Map(
    Object.entries(spec.include).flatMap(([path, include]) => (include.kind === 'reverse' ? [[path, reverseLoader(db, include)] as const] : [])),
  );

  /** The ids each include refers to, per record. */
  function referencedIds(records: Row[], path: string, include: IncludeSpec): Map<string, string[]> {
    if (include.kind === 'reverse') return reverse.get(path)!(records.map((record) => record.id as string));
    return new Map(
      records.map((record) => {
        if (include.kind !== 'nested') return [record.id as string, idsIn(record[include.from])];
        const items = (record[include.list] as Row[] | undefined) ?? [];
        return [record.id as string, items.flatMap((item) => idsIn(item[include.from]))];
      }),
    );
  }

  /** Each embedded type loaded once, for all the records and paths that need it, narrowed by `fields[type]`. */
  function loadTargets(wanted: Map<ResourceName, Set<string>>, shaping: Shaping): Map<string, Row> {
    const found = new Map<string, Row>();
    for (const [target, ids] of wanted) {
      for (const record of sources[target].findEmbedded([...ids])) found.set(`${target}:${record.id}`, project(record, shaping.embeddedFields[target]));
    }
    return found;
  }

  return (records: Row[], shaping: Shaping): Row[] => {
    const includes = shaping.include.map((path) => [path, spec.include[path]!] as const);
    const referenced = new Map(includes.map(([path, include]) => [path, referencedIds(records, path, include)]));
    const wanted = new Map<ResourceName, Set<string>>();
    for (const [path, include] of includes) {
      const ids = wanted.get(include.target) ?? new Set<string>();
      for (const list of referenced.get(path)!.values()) list.forEach((id) => ids.add(id));
      wanted.set(include.target, ids);
    }
    const found = loadTargets(wanted, shaping);
    const lookup = (target: ResourceName, id: unknown) => found.get(`${target}:${String(id)}`);

    const baseKeys = includes.flatMap(([, include]) => (include.kind === 'nested' ? [include.list] : []));
    const fields = shaping.fields ? new Set([...shaping.fields, ...baseKeys]) : undefined;
    return records.map((record) => {
      // A copy when anything is embedded: the stored record, and the ETag its revision gives, stay as stored.
      const shown = fields ? project(record, fields) : includes.length > 0 ? { ...record } : record;
      for (const [path, include] of includes) {
        const ids = referenced.get(path)!.get(record.id as string)!;
        if (include.kind === 'one') shown[path] = ids.length ? (lookup(include.target, ids[0]) ?? null) : null;
        else if (include.kind === 'nested') {
          const key = path.split('.').at(-1)!;
          shown[include.list] = (shown[include.list] as Row[]).map((item) => ({ ...item, [key]: lookup(include.target, item[include.from]) ?? null }));
        } else shown[path] = ids.map((id) => lookup(include.target, id)).filter((item) => item !== undefined);
      }
      return shown;
    });
  };
}
