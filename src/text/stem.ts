/**
 * Light Arabic stemming (the light10 family, as Lucene's ArabicStemFilter does it) and the word
 * tokenizer that search indexes and queries with. Both work on text already passed through
 * normaliseArabic, so ة has become ه and ية has become يه: the suffix list below is Lucene's in its
 * normalised spelling.
 */

/** The prefixes that carry the definite article: taking one off never takes a letter of the word itself. */
export const articlePrefixes = ['ال', 'وال', 'بال', 'كال', 'فال', 'لل'] as const;

/** Checked in this order; the first that fits is removed. A bare و may also be a word's own first letter (وكيل). */
const prefixes = [...articlePrefixes, 'و'];

/** Checked in this order; each that fits is removed in turn. */
const suffixes = ['ها', 'ان', 'ات', 'ون', 'ين', 'يه', 'ه', 'ي'];

/** A one-letter prefix (و) needs three letters left after it; longer prefixes need two. */
function prefixFits(word: string, prefix: string): boolean {
  const minimumLength = prefix.length === 1 ? 4 : prefix.length + 2;
  return word.length >= minimumLength && word.startsWith(prefix);
}

/** Every suffix needs two letters left before it. */
const suffixFits = (word: string, suffix: string): boolean => word.length >= suffix.length + 2 && word.endsWith(suffix);

/** The leading article or conjunction the stemmer takes off a normalised word ('' when none fits). */
export const arabicPrefixOf = (word: string): string => prefixes.find((p) => prefixFits(word, p)) ?? '';

/** The word without its leading article or conjunction (وال، بال، كال، فال، لل، ال، و), when enough remains. */
export const stripArabicPrefix = (word: string): string => word.slice(arabicPrefixOf(word).length);

/** The light stem of a normalised word: prefix removed, then the common suffixes. Latin words pass unchanged. */
export function stemArabic(word: string): string {
  let stem = stripArabicPrefix(word);
  for (const suffix of suffixes) {
    if (suffixFits(stem, suffix)) stem = stem.slice(0, -suffix.length);
  }
  return stem;
}

export interface Word {
  text: string;
  /** Offsets of the word in the text it was read from: [start, end). */
  start: number;
  end: number;
}

const wordPattern = /[\p{L}\p{N}\p{M}]+/gu;

/** The words of a normalised text: runs of letters, digits and marks; everything else separates. */
export function words(normalised: string): Word[] {
  return Array.from(normalised.matchAll(wordPattern), (m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
}

/** The words of a normalised text as strings, for callers that need no offsets. */
export const wordTexts = (normalised: string): string[] => normalised.match(wordPattern) ?? [];
