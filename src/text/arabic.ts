/**
 * Arabic text normalisation, shared by entity linking and search: both sides of every comparison
 * (indexed text and queries, names and article text) go through the same function.
 *
 * - NFKC per character (presentation forms and ligatures become ordinary letters);
 * - harakat (tashkeel: fathatan … sukun, shadda, dagger alef), Quranic marks, tatweel and invisible
 *   formatting characters (ZWJ, ZWNJ, LRM, RLM, ALM, BOM) are removed;
 * - أ إ آ ٱ → ا, ى → ي, ة → ه, Persian ک → ك and ی → ي;
 * - Arabic-Indic and Eastern Arabic-Indic digits → ASCII digits;
 * - Latin and other cased letters are lower-cased.
 */

const removed = /[\u0610-\u061A\u061C\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED\u0640\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/u;

const letterMap: Record<string, string> = {
  'أ': 'ا',
  'إ': 'ا',
  'آ': 'ا',
  'ٱ': 'ا',
  'ى': 'ي',
  'ة': 'ه',
  'ک': 'ك',
  'ی': 'ي',
};
for (let d = 0; d < 10; d++) {
  letterMap[String.fromCharCode(0x0660 + d)] = String(d);
  letterMap[String.fromCharCode(0x06f0 + d)] = String(d);
}

const cache = new Map<string, string>();

/** What one code point of the input becomes (possibly nothing, possibly several characters). */
function foldCodePoint(codePoint: string): string {
  let folded = cache.get(codePoint);
  if (folded === undefined) {
    folded = '';
    for (const c of codePoint.normalize('NFKC')) {
      if (removed.test(c)) continue;
      folded += (letterMap[c] ?? c).toLowerCase();
    }
    cache.set(codePoint, folded);
  }
  return folded;
}

/** The normalised form of a text. */
export function normaliseArabic(text: string): string {
  let out = '';
  for (const codePoint of text) out += foldCodePoint(codePoint);
  return out;
}

export interface NormalisedText {
  text: string;
  /**
   * `offsets[i]` is the index in the original string (UTF-16 code units) of the character that produced
   * `text[i]`; `offsets[text.length]` is the original length. A match at [s, e) in the normalised text
   * is the original span [offsets[s], offsets[e - 1] + width of that character).
   */
  offsets: number[];
}

/** The normalised text with a map back to the original, so matches can be reported on the original text. */
export function normaliseWithOffsets(original: string): NormalisedText {
  let text = '';
  const offsets: number[] = [];
  let at = 0;
  for (const codePoint of original) {
    const folded = foldCodePoint(codePoint);
    for (let k = 0; k < folded.length; k++) offsets.push(at);
    text += folded;
    at += codePoint.length;
  }
  offsets.push(at);
  return { text, offsets };
}

/** The original span [start, end) of the normalised span [start, end). */
export function originalSpan(normalised: NormalisedText, start: number, end: number, original: string): [number, number] {
  const from = normalised.offsets[start]!;
  const lastChar = normalised.offsets[end - 1]!;
  const lastWidth = original.codePointAt(lastChar)! > 0xffff ? 2 : 1;
  let to = lastChar + lastWidth;
  // Marks that follow the last letter (harakat, shadda) belong to the matched word.
  while (to < original.length && removed.test(original[to]!)) to++;
  return [from, to];
}
