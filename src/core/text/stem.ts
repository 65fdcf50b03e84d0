/**
 * Light Arabic stemming (the light10 family, as Lucene's ArabicStemFilter does it), on the words of
 * ./words.ts. It works on text already passed through normaliseArabic, so ة has become ه and ية has
 * become يه: the suffix list below is Lucene's in its normalised spelling.
 */
import { type AttachedPrefix, attachedPrefixes, shortestCore } from './words.js';

/**
 * The prefixes of ./words.ts that carry the article with at most one particle before it, in light10's order:
 * a query word's written forms are listed in it, and a search cursor is tied to the query's expression.
 */
export const articlePrefixes = ['ال', 'وال', 'بال', 'كال', 'فال', 'لل'];

/**
 * Stemming has no dictionary to confirm a reading, so it takes off only the prefixes that almost never begin a
 * word: the article ones, and the bare و. Two particles before the article begin words (the seed's وكالة;
 * فلل, villas) and so do bare ف ب ك ل (في، فنية، بين، بحث، كل، لجان). Longest first; the first that fits is removed.
 */
const prefixes = attachedPrefixes.filter((p) => articlePrefixes.includes(p.text) || p.text === 'و');

/** Checked in this order; each that fits is removed in turn. */
const suffixes = ['ها', 'ان', 'ات', 'ون', 'ين', 'يه', 'ه', 'ي'];

/** The bare و needs a letter more left after it: before two letters it is more often the word's own (وفد، ولد). */
function prefixFits(word: string, prefix: AttachedPrefix): boolean {
  const lettersLeft = prefix.article ? shortestCore : shortestCore + 1;
  return word.length - prefix.text.length >= lettersLeft && word.startsWith(prefix.text);
}

/** Every suffix needs two letters left before it. */
const suffixFits = (word: string, suffix: string): boolean => word.length - suffix.length >= shortestCore && word.endsWith(suffix);

/** The leading article or conjunction the stemmer takes off a normalised word ('' when none fits). */
export const arabicPrefixOf = (word: string): string => prefixes.find((p) => prefixFits(word, p))?.text ?? '';

/** The word without its leading article or conjunction (وال، بال، كال، فال، لل، ال، و), when enough remains. */
export const stripArabicPrefix = (word: string): string => word.slice(arabicPrefixOf(word).length);

/**
 * The light stem of a normalised word: prefix removed, then the common suffixes. Latin words pass unchanged.
 * A word behind the article stems as it does alone, so a first letter taken for و goes with the article too:
 * otherwise وكيل (كيل) would not find الوكيل, nor وزير الوزير.
 */
export function stemArabic(word: string): string {
  const prefix = arabicPrefixOf(word);
  let stem = word.slice(prefix.length);
  if (prefix !== 'و' && arabicPrefixOf(stem) === 'و') stem = stem.slice(1);
  for (const suffix of suffixes) {
    if (suffixFits(stem, suffix)) stem = stem.slice(0, -suffix.length);
  }
  return stem;
}

/** Search's query parser reads its words from here; they are the word model's. */
export { words } from './words.js';
