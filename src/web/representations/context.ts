import type { Repositories } from '../../core/resources/index.js';
import type { ResourceName } from '../../core/resources/registry.js';

export type Kind = ResourceName;
type RecordOf<K extends Kind> = NonNullable<ReturnType<Repositories[K]['find']>>;

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

/** A context for one response: each referenced record is read once, however often a page refers to it. */
export function mapContext(origin: string, repositories: Repositories): MapContext {
  const cache = new Map<string, unknown>();
  const context: MapContext = {
    origin,
    url: (kind, id) => `${origin}/v1/${kind}/${id}`,
    find<K extends Kind>(kind: K, id: string) {
      const key = `${kind}/${id}`;
      if (!cache.has(key)) cache.set(key, repositories[kind].find(id));
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

/** The object without its null and undefined properties and empty lists: the standards leave absent what is unknown. */
export function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0))) as Partial<T>;
}
