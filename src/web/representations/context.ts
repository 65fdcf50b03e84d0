import type { Repositories } from '../../core/resources/index.js';
import type { ResourceName } from '../../core/resources/registry.js';

export type Kind = ResourceName;
type RecordOf<K extends Kind> = NonNullable<Awaited<ReturnType<Repositories[K]['findIn']>>>;

/** What a mapper may ask while it turns a record into another representation. */
export interface MapContext {
  /** PUBLIC_URL: links in the mapped body are absolute. */
  origin: string;
  /** The absolute URL of a record: the identifier the news standards want. */
  url(kind: Kind, id: string): string;
  /** A record the mapped one refers to, or null when it is gone. */
  find<K extends Kind>(kind: K, id: string): RecordOf<K> | null;
  /** The name (people, organisations) or title (articles, meetings) of a record referred to, unless it is gone. */
  label(kind: Kind, id: string): string | undefined;
}

/** Reads a record a mapping refers to: null when it is gone, undefined when not read yet. */
type Find = (kind: Kind, id: string) => unknown;

/** A context over `find`: each referenced record is asked for once, however often a page refers to it. */
export function mapContext(origin: string, find: Find): MapContext {
  const cache = new Map<string, unknown>();
  const context: MapContext = {
    origin,
    url: (kind, id) => `${origin}/v1/${kind}/${id}`,
    find<K extends Kind>(kind: K, id: string) {
      const key = `${kind}/${id}`;
      if (!cache.has(key)) cache.set(key, find(kind, id) ?? null);
      return cache.get(key) as RecordOf<K> | null;
    },
    label(kind, id) {
      const record = context.find(kind, id);
      if (record === null) return undefined;
      return 'name' in record ? record.name : record.title;
    },
  };
  return context;
}

/** A record a mapping refers to, by its resource and id. */
type Reference = readonly [Kind, string];

/** Reads referenced records in one batch, in the order asked (core/services.ts, `referenced`): null for one that is gone. */
export type Lookup = (references: Reference[]) => Promise<unknown[]>;

/**
 * Runs `map` with the records it refers to, read through the async seam. The mappers are synchronous, so a pass
 * that asks for records not read yet notes them, they are read in one batch, and `map` runs again: a record
 * without references is mapped once, one with references twice, each referenced record read once.
 */
export async function mapWithReferences<T>(origin: string, lookup: Lookup, map: (ctx: MapContext) => T): Promise<T> {
  const read = new Map<string, unknown>();
  for (;;) {
    const missing = new Map<string, Reference>();
    const result = map(
      mapContext(origin, (kind, id) => {
        const key = `${kind}/${id}`;
        if (!read.has(key)) missing.set(key, [kind, id]);
        return read.get(key);
      }),
    );
    if (missing.size === 0) return result;
    const references = [...missing.values()];
    const records = await lookup(references);
    for (const [i, [kind, id]] of references.entries()) read.set(`${kind}/${id}`, records[i] ?? null);
  }
}

/** The object without its null and undefined properties and empty lists: the standards leave absent what is unknown. */
export function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0))) as Partial<T>;
}
