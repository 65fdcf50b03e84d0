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
 * The most characters of a value looked up: FTS5 checks a phrase's every trigram in every row holding them all,
 * and 500 characters of common trigrams took 55-115 ms at 20,000 articles. The rows the head lists are tested
 * for the whole value (core/list/sql.ts), so the answer is the same.
 */
const lookedUpLength = 32;

/**
 * `contains` on a list of this type, from the trigram index: the records of the type whose column holds the
 * value's first `lookedUpLength` characters, matched as one phrase of their trigrams (a probe reads each trigram's
 * posting list).
 */
export function substringSearch(type: string): SubstringIndex {
  return {
    finds: (column, value) => substringColumns.includes(column.name) && findable(value),
    lookup: indexLookup(substringIndex, type),
    bind(column, value) {
      const head = [...value].slice(0, lookedUpLength).join('');
      const match = `${column.name} : "${head.replaceAll('"', '""')}"`;
      return { match, probe: match, cost: [...head].length - 2 };
    },
  };
}
