import { getTableColumns } from 'drizzle-orm';
import type { SubstringIndex } from '../list/spec.js';
import { fts5SubstringLookup } from './matching.js';
import { postgresSubstringLookup } from './postgres-matching.js';
import { substringIndex } from './table.js';

/** The text columns the substring index holds, by name (all of its columns but the rowid). */
const indexedColumns = new Map(
  Object.values(getTableColumns(substringIndex))
    .filter((column) => column.name !== 'rowid')
    .map((column) => [column.name, column]),
);
export const substringColumns = [...indexedColumns.keys()];

/**
 * Trigrams: a value of fewer characters has none to look up. A NUL would end FTS5's MATCH string early, and
 * with it the value, so such a value is tested row by row like a short one.
 */
const findable = (value: string) => [...value].length >= 3 && !value.includes('\0');

/**
 * The most characters of a value looked up: FTS5 checks a phrase's every trigram in every row holding them all,
 * and 500 characters of common trigrams took 55-115 ms at 20,000 articles; pg_trgm's index reads a posting list
 * per trigram. The rows the head lists are tested for the whole value (core/list/sql.ts), so the answer is the same.
 */
const lookedUpLength = 32;

/** Each engine's lookup of a type's records whose column holds a part of a value. */
const onEngine = { sqlite: fts5SubstringLookup, postgres: postgresSubstringLookup };

/**
 * `contains` on a list of this type, from the trigram index of the listing's engine (FTS5's on SQLite, pg_trgm's on
 * PostgreSQL): the records of the type whose column holds the value's first `lookedUpLength` characters (a probe, or
 * the listing, reads each of their trigrams' posting lists).
 */
export function substringSearch(type: string): SubstringIndex {
  return {
    prepare({ statements }) {
      const lookup = onEngine[statements.dialect.name](statements, type);
      return (column, value) => {
        const indexed = indexedColumns.get(column.name);
        if (!indexed || !findable(value)) return undefined;
        const head = [...value].slice(0, lookedUpLength).join('');
        return { ...lookup(indexed, head), cost: [...head].length - 2 };
      };
    },
  };
}
