import { createHash } from 'node:crypto';

/** A strong entity tag: a digest of the bytes it stands for. */
export const entityTag = (value: string | Buffer): string =>
  `"${createHash('sha256').update(value).digest('base64url').slice(0, 27)}"`;

/** JSON with object keys sorted, so equal values give equal text whatever order their keys were built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/**
 * A record's ETag, computed from the record as the data layer loads it (its columns and its relation lists,
 * reverse ones included). A write can therefore compare an If-Match with the stored record without rendering
 * a response, and the tag still changes when only a reverse relation (an organisation's members) changes,
 * which the version alone would miss.
 */
export const recordEtag = (record: object): string => entityTag(canonicalJson(record));

/** The entity tags of an If-Match / If-None-Match field value; `*` stays `*`. */
function listedTags(header: string): string[] {
  return header.match(/(?:W\/)?"[^"]*"|\*/g) ?? [];
}

/** If-None-Match uses the weak comparison: `W/"x"` and `"x"` are the same tag. */
export function noneMatch(header: string, etag: string): boolean {
  const opaque = (tag: string) => tag.replace(/^W\//, '');
  return listedTags(header).some((tag) => tag === '*' || opaque(tag) === opaque(etag));
}

/** If-Match uses the strong comparison: a weak tag never matches. */
export function strongMatch(header: string, etag: string): boolean {
  return listedTags(header).some((tag) => tag === '*' || tag === etag);
}
