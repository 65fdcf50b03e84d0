import { sql } from 'drizzle-orm';
import type { ListExtension } from '../list/spec.js';
import { matchingIds, matchNothing } from './matching.js';
import { matchExpression, parseQuery, searchText } from './query.js';

/**
 * `q=` on a list: keeps the records of this type that match the query (same syntax as /v1/search),
 * combined with the list's filters and sort. The condition is prepared once; the MATCH string is bound.
 */
export function searchListExtension(type: string): ListExtension<string> {
  return {
    name: 'q',
    // The syntax is described once, on /v1/search's `q`: a client generator repeats a parameter's description in every operation.
    schema: searchText.meta({ description: 'Full-text search within the list: the syntax of `q` on /v1/search' }),
    condition: (table) => matchingIds(table.id, sql.placeholder('q_match')),
    bind: (q) => ({ q_match: matchExpression(parseQuery(q), [type]) ?? matchNothing }),
  };
}
