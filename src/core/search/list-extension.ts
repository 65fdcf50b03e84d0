import type { ListExtension } from '../list/spec.js';
import { fts5Terms } from './fts5-terms.js';
import { indexLookup, matchNothing } from './matching.js';
import { matchExpression, parseQuery, searchedTerms, searchText, type Term } from './query.js';
import { requiredTermsOn } from './required-terms.js';
import { searchIndex } from './table.js';

/** The posting lists FTS5 reads to test one record against a term's filter: a word's stem, each word of a phrase, a prefix's two sides. */
const listsRead = (term: Term) => (term.kind === 'word' ? 1 : term.kind === 'phrase' ? term.words.length : 2);

/**
 * `q=` on a list: keeps the records of this type that match the query, as /v1/search finds them (the same
 * syntax, and the same terms required: of many common words only the rarest few, see required-terms.ts, which
 * bounds the posting lists a listing walks, counted on the listing's executor), combined with the list's filters
 * and sort; the MATCH strings are bound. A record is probed without the type filter: the probe reads its own entry, whose type it knows, and the
 * type's posting list is as long as the type has records.
 */
export function searchListExtension(type: string): ListExtension<string> {
  return {
    name: 'q',
    // The syntax is described once, on /v1/search's `q`: a client generator repeats a parameter's description in every operation.
    schema: searchText.meta({ description: 'Full-text search within the list: the syntax of `q` on /v1/search' }),
    lookup: indexLookup(searchIndex, type),
    prepareBinding(statements, stamp) {
      const requiredTerms = requiredTermsOn(statements, fts5Terms, stamp);
      return {
        async bind(q) {
          const terms = await requiredTerms(searchedTerms(parseQuery(q)));
          return {
            match: matchExpression(terms, [type]) ?? matchNothing,
            probe: matchExpression(terms, null) ?? matchNothing,
            cost: terms.reduce((lists, term) => lists + listsRead(term), 0),
          };
        },
      };
    },
  };
}
