import { arabicPrefixOf, articlePrefixes, stemArabic } from '../text/stem.js';

/**
 * The written forms that count as a query word itself rather than as another word of its stem: the word as
 * typed, and its core with or without a prefix that carries the article (ال، وال، بال، كال، فال، لل). A bare
 * و is never taken off or put on, since it may be the word's own first letter: وكيل is not و + كيل, so
 * «الكيل» is not a form of it. Only forms the stemmer reads as the same stem are kept, so every record
 * holding one of them also holds the word's stem (ranking relies on that).
 */
export function wordForms(word: string): string[] {
  const prefix = arabicPrefixOf(word);
  const core = prefix === 'و' ? word : word.slice(prefix.length);
  const stem = stemArabic(word);
  const forms = [core, ...articlePrefixes.map((article) => article + core)].filter((form) => stemArabic(form) === stem);
  return [...new Set([word, ...forms])];
}
