import { getTableColumns } from 'drizzle-orm';
import type { SubstringIndex } from '../list/spec.js';
import { indexLookup } from './matching.js';
import { substringIndex } from './table.js';

/** The text columns the substring index holds, by name (all of its columns but the rowid). */
export const substringColumns = Object.keys(getTableColumns(substringIndex)).filter((name) => name !== 'rowid');

/**
 * Trigrams: a value of fewer characters has none to look up. A NUL would end the MATCH string early, and
 * with it the value, so such a value is tested row by row like a short one.
 */
const findable = (value: string) => [...value].length >= 3 && !value.includes('\0');

/**
 * `contains` on a list of this type, from the trigram index: the records of the type whose column holds the
 * value, matched as one phrase of its trigrams (a probe reads each trigram's posting list).
 */
export function substringSearch(type: string): SubstringIndex {
  return {
    finds: (column, value) => substringColumns.includes(column.name) && findable(value),
    lookup: indexLookup(substringIndex, type),
    bind(column, value) {
      const match = `${column.name} : "${value.replaceAll('"', '""')}"`;
      return { match, probe: match, cost: [...value].length - 2 };
    },
  };
}
