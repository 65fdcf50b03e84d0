/**
 * The one Arabic word model of khabar: what a word is, and the prefixes Arabic writes attached to a word.
 * Search (stemming, snippets) and entity linking read words and prefixes here, on text passed through
 * normaliseArabic (./arabic.ts) first.
 */

import { isPairAt, isSurrogate, widthAt } from './utf16.js';

/**
 * A word is a run of letters, digits and combining marks. A mark belongs to the letter before it (as in
 * Unicode's word boundaries): normalisation removes the Arabic harakat, but an original text still has them
 * (the seed's «اجتماعًا» is one word, not اجتماع and ا) and a normalised one keeps rarer marks (U+08F0, a
 * Latin accent typed apart), so a mark never ends a word and a text has the same words before and after.
 */
const wordCharacter = /^[\p{L}\p{N}\p{M}]$/u;

/** Per UTF-16 code unit outside the surrogates: 1 when it is a word character, 2 when not, 0 not yet known. */
const wordUnit = new Uint8Array(0x10000);

/** How many code units the word character at `i` takes (2 for a surrogate pair), or 0 when there is none. */
function wordCharacterAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (!isSurrogate(code)) {
    let known = wordUnit[code]!;
    if (known === 0) wordUnit[code] = known = wordCharacter.test(text[i]!) ? 1 : 2;
    return known === 1 ? 1 : 0;
  }
  const width = widthAt(text, i);
  return wordCharacter.test(text.slice(i, i + width)) ? width : 0;
}

export interface Word {
  text: string;
  /** Offsets of the word in the text it was read from, in UTF-16 code units: [start, end). */
  start: number;
  end: number;
}

/** The words of a text with their offsets; everything that is not a word character separates. */
export function words(text: string): Word[] {
  const found: Word[] = [];
  let start = -1;
  for (let i = 0; i < text.length; ) {
    const width = wordCharacterAt(text, i);
    if (width > 0 && start < 0) start = i;
    if (width === 0 && start >= 0) {
      found.push({ text: text.slice(start, i), start, end: i });
      start = -1;
    }
    i += width || 1;
  }
  if (start >= 0) found.push({ text: text.slice(start), start, end: text.length });
  return found;
}

/** Where the character that ends just before `at` starts (two units back for a surrogate pair). */
const characterBefore = (text: string, at: number) => (at >= 2 && isPairAt(text, at - 2) ? at - 2 : at - 1);

/**
 * The word of `text` that holds the word character at `at`, read outward from it: the same word `words` finds
 * there, for a caller that looks only where a string it searched for occurs.
 */
export function wordAround(text: string, at: number): Word {
  let start = at;
  while (start > 0 && wordCharacterAt(text, characterBefore(text, start)) > 0) start = characterBefore(text, start);
  return wordFrom(text, start)!;
}

/** The first word that starts at or after `from` (an offset outside any word, or a word's first), as `words` reads it. */
export function wordFrom(text: string, from: number): Word | undefined {
  let start = from;
  while (start < text.length && wordCharacterAt(text, start) === 0) start++;
  if (start >= text.length) return undefined;
  let end = start;
  for (let width = wordCharacterAt(text, end); width > 0; width = wordCharacterAt(text, end)) end += width;
  return { text: text.slice(start, end), start, end };
}

/** Whether a cut at `at` would split a word (or a surrogate pair). */
function insideWord(text: string, at: number): boolean {
  if (at <= 0 || at >= text.length) return false;
  if (isPairAt(text, at - 1)) return true;
  return wordCharacterAt(text, at) > 0 && wordCharacterAt(text, characterBefore(text, at)) > 0;
}

/** The last offset at or before `at` where a cut splits no word: 0 when `at` lies in the text's first word. */
export function wordBoundaryAtOrBefore(text: string, at: number): number {
  let boundary = at;
  while (insideWord(text, boundary)) boundary--;
  return boundary;
}

/** The words of a text as strings, for callers that need no offsets. */
export const wordTexts = (text: string): string[] => words(text).map((word) => word.text);

/** The particles in the order Arabic attaches them, each optional: a conjunction, then a preposition. */
const conjunctions = ['', 'و', 'ف'];
const prepositions = ['', 'ب', 'ك', 'ل'];
const article = 'ال';

/** No stem or name core is shorter: a prefix is read off a word only when this many letters remain. */
export const shortestCore = 2;

export interface AttachedPrefix {
  /** As written: و، بال، لل، ولل… */
  text: string;
  /** How many particles (a conjunction, a preposition) it holds. */
  particles: number;
  /** Whether it ends in the article: ال, or لل where the preposition ل takes the article's alef. */
  article: boolean;
  /** How many of its letters stand apart from the word: its particles, but a ل fused with the article stays. */
  detached: number;
}

function prefixOf(conjunction: string, preposition: string, withArticle: boolean): AttachedPrefix {
  const particles = conjunction + preposition;
  const fused = withArticle && preposition === 'ل';
  return {
    text: !withArticle ? particles : fused ? `${conjunction}لل` : particles + article,
    particles: particles.length,
    article: withArticle,
    detached: fused ? conjunction.length : particles.length,
  };
}

/** Every prefix Arabic attaches (conjunction, preposition, article, each optional), the longest first. */
export const attachedPrefixes: readonly AttachedPrefix[] = conjunctions
  .flatMap((conjunction) => prepositions.flatMap((preposition) => [prefixOf(conjunction, preposition, false), prefixOf(conjunction, preposition, true)]))
  .filter((prefix) => prefix.text !== '')
  .sort((a, b) => b.text.length - a.text.length);

interface Reading {
  /** The word without the prefix. */
  core: string;
  /** The prefix read off, or null for the word as it is. */
  prefix: AttachedPrefix | null;
}

/** Every way to read a word as an attached prefix and a core of at least shortestCore letters, the word itself first. */
export function readingsOf(word: string): Reading[] {
  const found: Reading[] = [{ core: word, prefix: null }];
  for (const prefix of attachedPrefixes) {
    if (word.length - prefix.text.length >= shortestCore && word.startsWith(prefix.text)) found.push({ core: word.slice(prefix.text.length), prefix });
  }
  return found;
}

/** The word without a leading article, when shortestCore letters remain. */
export const withoutArticle = (word: string): string => (word.startsWith(article) && word.length - article.length >= shortestCore ? word.slice(article.length) : word);
