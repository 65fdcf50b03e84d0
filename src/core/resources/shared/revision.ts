/**
 * A record's revision: a string that changes whenever the record as stored changes. Its columns only change
 * with a new version, but a reverse relation (an organisation's members) changes without one, so the
 * relation lists are part of it. The HTTP layer turns it into the record's ETag without hashing the record.
 */
const revisionKey = Symbol('revision');

interface Stored {
  id: string;
  version: number;
  [revisionKey]?: unknown[];
}

/**
 * Not enumerable: a copy or a projection of the record (`fields`, `include`) does not carry it, and so falls
 * back to a tag computed from the bytes it is sent as. The string is only built when a tag is asked for.
 */
export function setRevision(record: { id: string; version: number }, relationLists: unknown[]) {
  Object.defineProperty(record, revisionKey, { value: relationLists });
}

/** The revision of a record at `version` whose relation lists (in the spec's order) are `relationLists`. */
export const revisionFrom = (id: string, version: number, relationLists: unknown[]): string => `${id}\n${version}\n${JSON.stringify(relationLists)}`;

export function revisionOf(record: object): string | undefined {
  const { id, version, [revisionKey]: lists } = record as Stored;
  return lists === undefined ? undefined : revisionFrom(id, version, lists);
}
