import { type SQL, sql } from 'drizzle-orm';
import { postgresDialect } from '../db/dialect.js';
import { stemArabic, stripArabicPrefix } from '../text/stem.js';
import { searchedTerms, type Term, writtenPhrases } from './query.js';
import { wordForms } from './word-forms.js';

/*
 * The queries of query.ts on PostgreSQL (migrations/postgres/0001_pgengine_search.sql): the same parsed terms,
 * read against the stored `simple` tsvectors of the words and the stems the core writes. FTS5 filters columns
 * inside one MATCH string; PostgreSQL has one tsvector per column, so a term holds where the title's or the
 * body's vector holds it, which keeps a phrase within one column as FTS5's column filter does.
 */

/**
 * A tsquery lexeme, quoted: whatever a word holds (`'`, `\`, `&`, `|`, `!`, `<->`, `:*`) is its text, never an
 * operator. The quoted text still goes through the `simple` parser, as the stored vectors' text did.
 */
export const tsqueryLexeme = (word: string) => `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

type Vectors = { title: SQL; body: SQL };
const writtenVectors: Vectors = { title: sql`search_index.title_words`, body: sql`search_index.body_words` };
const stemVectors: Vectors = { title: sql`search_index.title_stems`, body: sql`search_index.body_stems` };

/** A term's two sides as tsquery text: its written forms (as `wordForms` gives them) and its light stems. */
function termQueries(term: Term): { written: string; stems: string } {
  switch (term.kind) {
    case 'word':
      return { written: wordForms(term.word).map(tsqueryLexeme).join(' | '), stems: tsqueryLexeme(stemArabic(term.word)) };
    case 'phrase':
      return { written: term.words.map(tsqueryLexeme).join(' <-> '), stems: term.words.map((word) => tsqueryLexeme(stemArabic(word))).join(' <-> ') };
    case 'prefix':
      return { written: `${tsqueryLexeme(term.word)}:*`, stems: `${tsqueryLexeme(stripArabicPrefix(term.word))}:*` };
  }
}

/** A text is a bound value (or, in a list's probe, read from one): only `to_tsquery` reads it, and the lexemes in it are quoted. */
const tsquery = (text: string | SQL) => sql`to_tsquery('simple', ${text})`;

function holds(vectors: Vectors, text: string | SQL): SQL {
  const query = tsquery(text);
  return sql`(${vectors.title} @@ ${query} or ${vectors.body} @@ ${query})`;
}

/**
 * What a term requires of a record, as `termFilter` asks FTS5, as tsquery texts: the stems decide a word or a phrase
 * (every written form of a word is a form of its stem, at the same position), so its written text is null; a prefix
 * either side.
 */
function requiredTexts(term: Term): { stems: string; written: string | null } {
  const { written, stems } = termQueries(term);
  return { stems, written: term.kind === 'prefix' ? written : null };
}

/** That a record holds a term's required texts: the stems, or the written forms when there are any. */
const holdsTexts = (stems: string | SQL, written: string | SQL | null): SQL =>
  written === null ? holds(stemVectors, stems) : sql`(${holds(writtenVectors, written)} or ${holds(stemVectors, stems)})`;

function termCondition(term: Term): SQL {
  const { stems, written } = requiredTexts(term);
  return holdsTexts(stems, written);
}

/** Some terms as a list's probe binds them: one JSON list of each searched term's required texts. */
export const requiredTextsList = (terms: Term[]): string => JSON.stringify(searchedTerms(terms).map(requiredTexts));

/**
 * That a search_index row holds every term of a list bound as `requiredTextsList` gives it (none: nothing holds),
 * with a statement text the same whatever the terms: a list's probe of one row's entry. A null written text holds
 * nothing, so for a word or a phrase its stems decide, as `termCondition` states.
 */
export function holdsEveryTerm(list: SQL): SQL {
  const held = holdsTexts(sql`(required.texts ->> 'stems')`, sql`(required.texts ->> 'written')`);
  return sql`json_array_length(${list}::json) > 0 and not exists (select 1 from json_array_elements(${list}::json) as required(texts) where not coalesce(${held}, false))`;
}

/**
 * The condition on `search_index` for some terms within some types (null: every type); null when there is no word to
 * search for. The types are one bound JSON list, so a statement's text depends on its terms alone.
 */
export function postgresMatch(terms: Term[], types: readonly string[] | null): SQL | null {
  if (terms.length === 0) return null;
  const typeFilter = types === null ? [] : [sql`search_index.type in ${postgresDialect.inList(sql`${JSON.stringify(types)}`)}`];
  return sql.join([...typeFilter, ...searchedTerms(terms).map(termCondition)], sql` and `);
}

/**
 * A condition that some of the records `postgresTermCondition` gives hold, cheaper to read, as `termLowerBounds` on
 * SQLite: a prefix's stems alone.
 */
export const postgresTermLowerBound = (term: Term): SQL => (term.kind === 'prefix' ? holds(stemVectors, termQueries(term).stems) : termCondition(term));

/** What a term requires alone, all types: the ranking budget counts its records. */
export const postgresTermCondition = (term: Term): SQL => termCondition(term);

/**
 * Cover density of a term's stems in one column, divided by the column's length (normalisation 2, as BM25 favours
 * short records: a person's name above a long article that mentions it) and scaled into [0, 1) (32: rank / (rank + 1)),
 * so that the weights below bound what each column adds.
 */
const stemRank = (vector: SQL, text: string) => sql`ts_rank_cd(${vector}, ${tsquery(text)}, 2 | 32)::float8`;

/**
 * A term's score, with the intent of SQLite's BM25 weights (search.ts): holding a written form of the word in either
 * column adds 1,000, more than any stem-only record can reach (the stems add less than 4 + 1), so a record holding a
 * query word as written ranks above one holding only another word of its stem; as BM25's written-form weight
 * saturates, how often does not count. Among such records, a title's stems weigh 4, a body's 1.
 */
function termRank(term: Term): SQL {
  const { written, stems } = termQueries(term);
  return sql`(1000 * ${holds(writtenVectors, written)}::int4 + 4 * ${stemRank(stemVectors.title, stems)} + ${stemRank(stemVectors.body, stems)})`;
}

/** A record's score for some terms, higher is better: the sum of each searched term's score, as BM25 sums its phrases'. */
export const postgresRank = (terms: Term[]): SQL => sql.join(searchedTerms(terms).map(termRank), sql` + `);

/**
 * The tsquery text of `matchAnyExpression` (query.ts): any of some texts, each a phrase of its words as written;
 * null when no text has a word. Every lexeme quoted, so a text becomes no operator.
 */
export function anyPhraseQuery(texts: string[]): string | null {
  const phrases = writtenPhrases(texts);
  return phrases.length === 0 ? null : phrases.map((words) => `(${words.map(tsqueryLexeme).join(' <-> ')})`).join(' | ');
}

/** That a search_index row's title or body, as written, holds a tsquery given as text (a bound value). */
export const holdsWritten = (text: SQL): SQL => holds(writtenVectors, text);
