/**
 * Entity linking: finds the names of known entities in a text, tolerant to Arabic spelling variation
 * (through the shared normalisation in ./arabic.ts) and to the prefixes Arabic attaches to a word.
 *
 * A name is a sequence of words. Its first word may carry attached prefixes in the text: a conjunction
 * (و ف), then a preposition (ب ك ل), then the article ال (fused with ل as لل); the article is optional on
 * both sides, so «العدواني», «والعدواني», «للعدواني» and «عدواني» all name العدواني. The other words must match
 * whole words exactly (after normalisation), separated only by spaces or quotation marks. Matching is on
 * whole words, so a name is never found inside a longer word.
 *
 * Names are indexed by the core of their first word: a text costs one map look-up per word and reading of
 * its prefixes, whatever the number of names.
 */
import { normaliseArabic, normaliseWithOffsets, originalSpan } from './arabic.js';

export interface NameSource<T> {
  /** Identifies the entity: two entities sharing a name make that name ambiguous, and it is not linked. */
  key: string;
  target: T;
  /** Every form the entity may be named by (name, aliases, rank plus name…). */
  names: string[];
}

export interface Link<T> {
  /** Offsets into the original text, in UTF-16 code units: `text.slice(start, end)` is the mention. */
  start: number;
  end: number;
  text: string;
  target: T;
}

export interface NameIndex<T> {
  find(text: string): Link<T>[];
}

interface Form<T> {
  /** The words after the first. */
  rest: string[];
  key: string;
  /** null when several entities share this form. */
  target: T | null;
}

interface Reading {
  /** The first word without its prefixes and article. */
  core: string;
  /** How many leading characters of the word are prefixes that the mention leaves out. */
  skip: number;
}

const word = /[\p{L}\p{N}]+/gu;
const joiner = /^[\s«»"'“”„‹›]+$/u;
const conjunctions = ['', 'و', 'ف'];
const prepositions = ['', 'ب', 'ك', 'ل'];
const article = 'ال';
const minimumCore = 2;

export const words = (text: string): string[] => normaliseArabic(text).match(word) ?? [];

/** The word without a leading article, when enough of it remains. */
function withoutArticle(token: string): string {
  return token.startsWith(article) && token.length - article.length >= minimumCore ? token.slice(article.length) : token;
}

/** Every way to read a word of the text as prefixes plus a core, fewest prefixes first. */
function readings(token: string): Reading[] {
  const found: Reading[] = [];
  for (const conjunction of conjunctions) {
    for (const preposition of prepositions) {
      const prefix = conjunction + preposition;
      if (!token.startsWith(prefix)) continue;
      const stem = token.slice(prefix.length);
      if (stem.length >= minimumCore) found.push({ core: withoutArticle(stem), skip: prefix.length });
      // لل: the preposition ل before the article drops the article's alef, and the mention keeps both.
      if (preposition === 'ل' && stem.startsWith('ل') && stem.length - 1 >= minimumCore) {
        found.push({ core: stem.slice(1), skip: conjunction.length });
      }
    }
  }
  return found;
}

/** Forms by the core of their first word, then by the words after it. */
type FormsByCore<T> = Map<string, Map<string, Form<T>>>;

function addForm<T>(index: FormsByCore<T>, tokens: string[], source: NameSource<T>) {
  const [first, ...rest] = tokens;
  if (first === undefined || tokens.join('').length < minimumCore) return;
  const core = withoutArticle(first);
  const forms = index.get(core) ?? new Map<string, Form<T>>();
  const same = forms.get(rest.join(' '));
  if (!same) forms.set(rest.join(' '), { rest, key: source.key, target: source.target });
  else if (same.key !== source.key) same.target = null;
  index.set(core, forms);
}

/** Each core's forms, longest first: the first form that continues in the text is the longest match. */
function longestFirst<T>(index: FormsByCore<T>): Map<string, Form<T>[]> {
  return new Map([...index].map(([core, forms]) => [core, [...forms.values()].sort((a, b) => b.rest.length - a.rest.length)]));
}

interface Token {
  value: string;
  start: number;
  end: number;
}

function tokenise(text: string): Token[] {
  return [...text.matchAll(word)].map((m) => ({ value: m[0], start: m.index, end: m.index + m[0].length }));
}

/** Whether the words after `at` continue the form: same words, joined only by spaces or quotation marks. */
function continues(normalised: string, tokens: Token[], at: number, rest: string[]): boolean {
  return rest.every((value, k) => {
    const token = tokens[at + 1 + k];
    return token !== undefined && token.value === value && joiner.test(normalised.slice(tokens[at + k]!.end, token.start));
  });
}

interface Match<T> {
  form: Form<T>;
  skip: number;
}

/** The longest form that starts at word `at`, over every reading of its prefixes. */
function longestAt<T>(index: Map<string, Form<T>[]>, normalised: string, tokens: Token[], at: number): Match<T> | null {
  let best: Match<T> | null = null;
  for (const reading of readings(tokens[at]!.value)) {
    for (const form of index.get(reading.core) ?? []) {
      if (best && form.rest.length <= best.form.rest.length) break;
      if (continues(normalised, tokens, at, form.rest)) best = { form, skip: reading.skip };
    }
  }
  return best;
}

/** Indexes the names of the given entities for linking. */
export function nameIndex<T>(sources: Iterable<NameSource<T>>): NameIndex<T> {
  const forms: FormsByCore<T> = new Map();
  for (const source of sources) for (const name of source.names) addForm(forms, words(name), source);
  const index = longestFirst(forms);

  return {
    find(text) {
      const normalised = normaliseWithOffsets(text);
      const tokens = tokenise(normalised.text);
      const links: Link<T>[] = [];
      for (let at = 0; at < tokens.length; at++) {
        const match = longestAt(index, normalised.text, tokens, at);
        if (!match) continue;
        const last = at + match.form.rest.length;
        const [start, end] = originalSpan(normalised, tokens[at]!.start + match.skip, tokens[last]!.end, text);
        if (match.form.target !== null) links.push({ start, end, text: text.slice(start, end), target: match.form.target });
        at = last;
      }
      return links;
    },
  };
}
