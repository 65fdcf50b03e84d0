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

/** One way of naming an entity; null target when several entities share it. */
interface Form<T> {
  key: string;
  target: T | null;
}

/** The forms whose first word has one core, by the words after the first joined with spaces. */
interface CoreForms<T> {
  byRest: Map<string, Form<T>>;
  /** The most words any of these forms has after its first. */
  longestRest: number;
}

interface Reading {
  /** The first word without its prefixes and article. */
  core: string;
  /** How many leading characters of the word are prefixes that the mention leaves out. */
  skip: number;
}

const word = /[\p{L}\p{N}]+/gu;
const joiner = /[\s«»"'“”„‹›]+/uy;
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

type FormsByCore<T> = Map<string, CoreForms<T>>;

function addForm<T>(index: FormsByCore<T>, tokens: string[], source: NameSource<T>) {
  const first = tokens[0];
  if (first === undefined || (tokens.length === 1 && first.length < minimumCore)) return;
  const core = withoutArticle(first);
  let forms = index.get(core);
  if (!forms) index.set(core, (forms = { byRest: new Map(), longestRest: 0 }));
  const rest = tokens.slice(1).join(' ');
  const same = forms.byRest.get(rest);
  if (!same) forms.byRest.set(rest, { key: source.key, target: source.target });
  else if (same.key !== source.key) same.target = null;
  forms.longestRest = Math.max(forms.longestRest, tokens.length - 1);
}

interface Token {
  value: string;
  start: number;
  end: number;
}

function tokenise(text: string): Token[] {
  return [...text.matchAll(word)].map((m) => ({ value: m[0], start: m.index, end: m.index + m[0].length }));
}

/** Whether only spaces or quotation marks stand between two words. */
function joined(text: string, from: Token, to: Token): boolean {
  joiner.lastIndex = from.end;
  return joiner.test(text) && joiner.lastIndex === to.start;
}

/** How many words after `at`, up to `most`, follow it joined only by spaces or quotation marks. */
function joinedRun(text: string, tokens: Token[], at: number, most: number): number {
  let run = 0;
  while (run < most && at + run + 1 < tokens.length && joined(text, tokens[at + run]!, tokens[at + run + 1]!)) run++;
  return run;
}

const restOf = (tokens: Token[], at: number, count: number): string =>
  tokens
    .slice(at + 1, at + 1 + count)
    .map((token) => token.value)
    .join(' ');

interface Match<T> {
  form: Form<T>;
  skip: number;
  /** The words of the match after its first. */
  rest: number;
}

/** The longest form that starts at word `at`, over every reading of its prefixes. */
function longestAt<T>(index: FormsByCore<T>, longestRest: number, normalised: string, tokens: Token[], at: number): Match<T> | null {
  let best: Match<T> | null = null;
  let run: number | null = null;
  for (const reading of readings(tokens[at]!.value)) {
    const forms = index.get(reading.core);
    if (!forms) continue;
    run ??= joinedRun(normalised, tokens, at, longestRest);
    for (let rest = Math.min(forms.longestRest, run); rest > (best?.rest ?? -1); rest--) {
      const form = forms.byRest.get(restOf(tokens, at, rest));
      if (form) {
        best = { form, skip: reading.skip, rest };
        break;
      }
    }
  }
  return best;
}

/** Indexes the names of the given entities for linking. */
export function nameIndex<T>(sources: Iterable<NameSource<T>>): NameIndex<T> {
  const index: FormsByCore<T> = new Map();
  for (const source of sources) for (const name of source.names) addForm(index, words(name), source);
  let longestRest = 0;
  for (const forms of index.values()) longestRest = Math.max(longestRest, forms.longestRest);

  return {
    find(text) {
      const normalised = normaliseWithOffsets(text);
      const tokens = tokenise(normalised.text);
      const links: Link<T>[] = [];
      for (let at = 0; at < tokens.length; at++) {
        const match = longestAt(index, longestRest, normalised.text, tokens, at);
        if (!match) continue;
        const last = at + match.rest;
        const [start, end] = originalSpan(normalised, tokens[at]!.start + match.skip, tokens[last]!.end, text);
        if (match.form.target !== null) links.push({ start, end, text: text.slice(start, end), target: match.form.target });
        at = last;
      }
      return links;
    },
  };
}
