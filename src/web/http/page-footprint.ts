import type { ListQuery } from '../../core/list/query.js';

/**
 * What a list's first page in the default order (newest first by id) is made of, as its handler notes it for the
 * response cache (traits.keptAcrossWrites): with it, a kept page outlives the writes the change feed shows cannot
 * reach it, a write to a record further down the list among them.
 */
export interface PageFootprint {
  /** The listed resource: an event of another (a purge that takes a relation from its records, say) may change them. */
  resource: string;
  /** The records read for the page: a change to one of them may change it. */
  ids: ReadonlySet<string>;
  /** The id of the last record read for the page, when a next page follows: a record with a lower id sorts after the page and cannot enter it. */
  lowest: string;
  /**
   * How many records after the page could leave the selection before its total reads differently or its next
   * link goes (ListPage.totalMargin; 0 without a total).
   */
  margin: number;
}

/**
 * Where an event of `resource`'s record `id` leaves the page, its total aside (the margin counts the records written):
 * as it is, the record sorting after it (`after`); changed, the record on it or of another resource (`changed`); or,
 * the record sorting before the page's last and not on it, as it is unless the reader sees the record now (`before`:
 * a draft written at the head of the list is not on the page, nor is it now).
 */
export function placeOf(footprint: PageFootprint, resource: string, id: string): 'after' | 'changed' | 'before' {
  if (resource !== footprint.resource || footprint.ids.has(id)) return 'changed';
  return Buffer.compare(Buffer.from(id), Buffer.from(footprint.lowest)) < 0 ? 'after' : 'before';
}

/**
 * A query whose page a footprint describes: the first page in the default order, with no filter or search (whose
 * matches a write may change without a change of place) and nothing embedded (whose records are other resources').
 * SQLite orders ids as bytes, as `placeOf` compares them.
 */
export const footprintable = (query: ListQuery): boolean =>
  query.cursor === undefined &&
  (query.sort ?? []).every((key) => key.field === 'id' && key.descending) &&
  (query.filters ?? []).length === 0 &&
  (query.include ?? []).length === 0 &&
  Object.values(query.extensions ?? {}).every((value) => value === undefined);

const footprints = new WeakMap<object, PageFootprint>();

/** Notes the footprint of the page a reply sends. */
export const notePageFootprint = (reply: object, footprint: PageFootprint): void => {
  footprints.set(reply, footprint);
};

/** The footprint noted for the page a reply sends, if any. */
export const pageFootprintOf = (reply: object): PageFootprint | undefined => footprints.get(reply);
