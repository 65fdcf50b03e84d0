import type { ListExtension } from '../list/spec.js';
import { fts5Terms } from './fts5-terms.js';
import { fts5TextLookup } from './matching.js';
import { postgresTextLookup } from './postgres-matching.js';
import { postgresTerms } from './postgres-terms.js';
import { parseQuery, searchedTerms, searchText, type Term } from './query.js';
import { requiredTermsOn } from './required-terms.js';

/** The posting lists the index reads to test one record against a term's filter: a word's stem, each word of a phrase, a prefix's two sides. */
const listsRead = (term: Term) => (term.kind === 'word' ? 1 : term.kind === 'phrase' ? term.words.length : 2);

/** Each engine's lookup of a type's records matching some terms, and the sample that chooses a long query's required terms. */
const onEngine = {
  sqlite: { lookup: fts5TextLookup, terms: fts5Terms },
  postgres: { lookup: postgresTextLookup, terms: postgresTerms },
};

/**
 * `q=` on a list: keeps the records of this type that match the query, as /v1/search finds them (the same
 * syntax, and the same terms required: of many common words only the rarest few, see required-terms.ts, which
 * bounds the posting lists a listing walks, counted on the listing's executor), combined with the list's filters
 * and sort, in the listing's engine's index (FTS5's on SQLite, the tsvectors on PostgreSQL).
 */
export function searchListExtension(type: string): ListExtension<string> {
  return {
    name: 'q',
    // The syntax is described once, on /v1/search's `q`: a client generator repeats a parameter's description in every operation.
    schema: searchText.meta({ description: 'Full-text search within the list: the syntax of `q` on /v1/search' }),
    prepare({ statements, stamp }) {
      const engine = onEngine[statements.dialect.name];
      const requiredTerms = requiredTermsOn(statements, engine.terms, stamp);
      const lookup = engine.lookup(statements, type);
      return {
        async lookUp(q) {
          const terms = await requiredTerms(searchedTerms(parseQuery(q)));
          return { ...lookup(terms), cost: terms.reduce((lists, term) => lists + listsRead(term), 0) };
        },
      };
    },
  };
}
