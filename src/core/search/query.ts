import { z } from 'zod';
import { KhabarError } from '../errors.js';
import { normaliseArabic } from '../text/arabic.js';
import { stemArabic, stripArabicPrefix, words } from '../text/stem.js';
import { attachedPrefixes } from '../text/words.js';
import { isFunctionWord } from './function-words.js';
import { wordForms } from './word-forms.js';

/**
 * One part of a query: a word, a word with a trailing `*`, or a quoted phrase (of one word or more). All words are
 * normalised; `functionWord` marks a word typed as a function word that normalises to another word (على, علي).
 */
export type Term = { kind: 'word'; word: string; functionWord?: true } | { kind: 'prefix'; word: string } | { kind: 'phrase'; words: string[] };

/** The query text, the same on /v1/search and as `q=` on every list. */
export const searchText = z
  .string()
  .min(1)
  .max(500)
  .meta({
    description:
      'Words to find, all of which must match, except common function words (في، من، الى، عن، ان، التي، الذي…): beside other words ' +
      'they are neither required nor ranked unless quoted; a query of them alone searches them all. Arabic is normalised (diacritics, tatweel, ' +
      'hamza forms of alef, ى/ي, ة/ه) and lightly stemmed (ال، و، بال… and common suffixes), so الداخليه finds الداخلية; a record ' +
      'holding a word as written (with or without ال، وال، بال، كال، فال، لل) ranks above one holding only another word of its stem. ' +
      '`"…"` matches a phrase; a trailing `*` a prefix of at least three letters after a leading article (المرب* is one, الدا* is refused with a 400). Other punctuation and FTS operators are treated as separators.',
    example: 'التعاون الأمني',
  });

/** More terms than this is not a search anyone types; the bound keeps every MATCH expression small. */
const maxTerms = 32;

/**
 * A prefix needs three letters after a leading article (ال، وال، بال، لل…): a shorter one matches most words of
 * the index (الدا* every word of 99,000 articles of 100,000), and FTS5 reads and merges them all for every
 * request that asks. The article is counted off even where ال is the word's own (الله، الف): such a word is
 * found typed whole.
 */
const minPrefixLetters = 3;
const leadingArticles = attachedPrefixes.filter((prefix) => prefix.article).map((prefix) => prefix.text);

const wordsOf = (text: string) => words(normaliseArabic(text)).map((w) => w.text);

const lettersAfterArticle = (prefix: string) => prefix.length - (leadingArticles.find((article) => prefix.startsWith(article))?.length ?? 0);

function prefixTerm(word: string): Term {
  if (lettersAfterArticle(word) < minPrefixLetters) {
    throw new KhabarError('validation_failed', `the prefix ${word}* is too short to search: it would match most words`, [
      { path: 'querystring.q', message: `a prefix needs ${minPrefixLetters} letters after a leading article (ال، وال، بال، لل…)` },
    ]);
  }
  return { kind: 'prefix', word };
}

/**
 * على typed with ى (alone or after و or ف) is the preposition. Normalised it is the given name علي, which a
 * query for a person must be able to require, so it is told apart before normalisation, by its letters.
 */
const typedPreposition = /^[وف]?على$/u;

function unquotedTerms(text: string): Term[] {
  return text.split(/\s+/u).flatMap((chunk): Term[] => {
    const found = wordsOf(chunk);
    if (found.length === 1 && typedPreposition.test(chunk.replace(/\P{L}/gu, ''))) return [{ kind: 'word', word: found[0]!, functionWord: true }];
    const last = found.at(-1);
    if (last === undefined || !chunk.endsWith('*')) return found.map((word) => ({ kind: 'word', word }));
    return [...found.slice(0, -1).map((word): Term => ({ kind: 'word', word })), prefixTerm(last)];
  });
}

/** A quoted text is a phrase even of one word, so that a quoted function word is searched as written. */
function quotedTerm(text: string): Term[] {
  const found = wordsOf(text);
  return found.length === 0 ? [] : [{ kind: 'phrase', words: found }];
}

/**
 * Reads a query as the user typed it: `"..."` is a phrase (an unclosed quote runs to the end), a trailing
 * `*` makes a prefix (of at least three letters after a leading article), everything else is words that must all match; a term given
 * twice counts once. Punctuation and FTS5 syntax are never operators here: they separate words or are dropped.
 */
export function parseQuery(q: string): Term[] {
  const terms = q.split('"').flatMap((segment, i) => (i % 2 === 1 ? quotedTerm(segment) : unquotedTerms(segment)));
  // A repeated term matches nothing more, and each term costs a scan of every snippet's text.
  const distinct = [...new Map(terms.map((term) => [JSON.stringify(term), term])).values()];
  if (distinct.length > maxTerms) {
    throw new KhabarError('validation_failed', `the query has ${distinct.length} distinct terms; at most ${maxTerms} are searched`, [
      { path: 'querystring.q', message: `at most ${maxTerms} distinct words or phrases` },
    ]);
  }
  return distinct;
}

/** An FTS5 string: our words never contain a double quote, but quoting is what makes any input data. */
const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;

const exactColumns = '{title body}';
const stemColumns = '{title_stem body_stem}';

function termExpression(term: Term): string {
  switch (term.kind) {
    case 'word':
      return `(${exactColumns} : (${wordForms(term.word).map(quote).join(' OR ')}) OR ${stemColumns} : ${quote(stemArabic(term.word))})`;
    case 'prefix':
      return `(${exactColumns} : ${quote(term.word)} * OR ${stemColumns} : ${quote(stripArabicPrefix(term.word))} *)`;
    case 'phrase':
      return `(${exactColumns} : ${quote(term.words.join(' '))} OR ${stemColumns} : ${quote(term.words.map(stemArabic).join(' '))})`;
  }
}

/**
 * What a term requires of a record. The stem columns decide it alone for a word or a phrase: `wordForms` keeps
 * only forms of the word's stem, and the stem columns hold every word's stem at its position, so a record
 * holding a form holds the stem there too. The written forms are searched only to rank (`rankExpression`):
 * matching on them as well cost FTS5 eight more posting lists per word.
 */
function termFilter(term: Term): string {
  switch (term.kind) {
    case 'word':
      return `${stemColumns} : ${quote(stemArabic(term.word))}`;
    case 'phrase':
      return `${stemColumns} : ${quote(term.words.map(stemArabic).join(' '))}`;
    case 'prefix':
      return termExpression(term);
  }
}

/**
 * The types a query is restricted to; null for every type, which needs no filter: skipping it spares FTS5 a
 * posting list as long as the index.
 */
type Types = readonly string[] | null;

const typeFilter = (types: Types) => (types === null ? [] : [`type : (${types.map(quote).join(' OR ')})`]);

const isFunctionWordTerm = (term: Term) => term.kind === 'word' && (term.functionWord === true || isFunctionWord(term.word));

/**
 * The terms a query is searched and ranked by: function words (في، من، التي…) are left out when the query has
 * other terms, since nearly every record holds them; a query of function words alone keeps them all.
 */
export function searchedTerms(terms: Term[]): Term[] {
  const content = terms.filter((term) => !isFunctionWordTerm(term));
  return content.length > 0 ? content : terms;
}

/**
 * The FTS5 MATCH expression for some terms within some types, built only from quoted words of our
 * own tokenizer; null when the query has no word to search for.
 */
export function matchExpression(terms: Term[], types: Types): string | null {
  if (terms.length === 0) return null;
  return [...typeFilter(types), ...searchedTerms(terms).map(termFilter)].join(' AND ');
}

/** One MATCH expression for each term a query is searched by, all types: what each term alone requires. */
export const termExpressions = (terms: Term[]): string[] => searchedTerms(terms).map(termFilter);

/**
 * For each term a query is searched by, a MATCH expression that some of the records `termExpressions` gives hold,
 * cheaper to read: a prefix's stems alone, one list of the prefix index, where its written side adds a second (or,
 * longer than the index's 6 letters, a merge of every word it starts).
 */
export const termLowerBounds = (terms: Term[]): string[] =>
  searchedTerms(terms).map((term) => (term.kind === 'prefix' ? `${stemColumns} : ${quote(stripArabicPrefix(term.word))} *` : termFilter(term)));

/**
 * The MATCH expression BM25 ranks by (for terms `matchExpression` made one of): the same records as that without its type filter, with
 * every written form of a word as a phrase of its own. BM25 reads the whole posting list of every phrase, and
 * the type's is as long as the type has records, so the ranked query filters the type outside FTS5.
 */
export function rankExpression(terms: Term[]): string {
  return searchedTerms(terms).map(termExpression).join(' AND ');
}

/** The distinct phrases of some texts, each its words as written (normalised, not stemmed); a text without a word gives none. */
export function writtenPhrases(texts: string[]): string[][] {
  const phrases = new Map<string, string[]>();
  for (const words of texts.map(wordsOf)) if (words.length > 0) phrases.set(words.join(' '), words);
  return [...phrases.values()];
}

/** The FTS5 MATCH expression for records of some types that contain any of some texts, each as a phrase (`writtenPhrases`). */
export function matchAnyExpression(texts: string[], types: Types): string | null {
  const alternatives = writtenPhrases(texts).map((phrase) => `${exactColumns} : ${quote(phrase.join(' '))}`);
  if (alternatives.length === 0) return null;
  return [...typeFilter(types), `(${alternatives.join(' OR ')})`].join(' AND ');
}
