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

import { rememberedPerWord } from './remembered.js';
import { isSurrogate, widthAt } from './utf16.js';

const removed = /[\u0610-\u061A\u061C\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED\u0640\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/u;

const letterMap: Record<string, string> = {
  أ: 'ا',
  إ: 'ا',
  آ: 'ا',
  ٱ: 'ا',
  ى: 'ي',
  ة: 'ه',
  ک: 'ك',
  ی: 'ي',
};
for (let d = 0; d < 10; d++) {
  letterMap[String.fromCharCode(0x0660 + d)] = String(d);
  letterMap[String.fromCharCode(0x06f0 + d)] = String(d);
}

/** What one code point of the input becomes (possibly nothing, possibly several characters). */
function fold(codePoint: string): string {
  let folded = '';
  for (const c of codePoint.normalize('NFKC')) {
    if (removed.test(c)) continue;
    folded += (letterMap[c] ?? c).toLowerCase();
  }
  return folded;
}

/**
 * Remembered for the code points that do not fold to themselves, a few hundred in real text; bounded, because
 * a query can hold any code point and all of Unicode would otherwise stay in every process.
 */
const foldMemoCapacity = 4096;
const foldCodePoint = rememberedPerWord(fold, foldMemoCapacity);

/** Per UTF-16 code unit outside the surrogates: 1 when the character folds to itself, 2 when not, 0 not yet known. */
const foldsToItself = new Uint8Array(0x10000);

/** Whether the character at `i` is one code unit that folds to itself (most letters, digits and spaces). */
function unchangedAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (isSurrogate(code)) return false;
  let known = foldsToItself[code]!;
  if (known === 0) foldsToItself[code] = known = foldCodePoint(text[i]!) === text[i] ? 1 : 2;
  return known === 1;
}

/**
 * Walks a text as runs of characters that fold to themselves (copied as they are) and the code points
 * between them (folded one by one): most of a text is such runs.
 */
function foldRuns(text: string, onRun: (start: number, end: number) => void, onFolded: (at: number, width: number, folded: string) => void) {
  let run = 0;
  for (let i = 0; i < text.length; ) {
    if (unchangedAt(text, i)) {
      i++;
      continue;
    }
    if (i > run) onRun(run, i);
    const width = widthAt(text, i);
    onFolded(i, width, foldCodePoint(text.slice(i, i + width)));
    i += width;
    run = i;
  }
  if (text.length > run) onRun(run, text.length);
}

/** The normalised form of a text. */
export function normaliseArabic(text: string): string {
  let out = '';
  foldRuns(
    text,
    (start, end) => (out += text.slice(start, end)),
    (_at, _width, folded) => (out += folded),
  );
  return out;
}

export interface NormalisedText {
  text: string;
  /**
   * The index in the original string (UTF-16 code units) of the character that produced `text[i]`; the original
   * length at `text.length`. A match at [s, e) in the normalised text is the original span [originalAt(s),
   * originalAt(e - 1) + width of that character).
   */
  originalAt(i: number): number;
}

/**
 * The normalised text with a map back to the original, so matches can be reported on the original text. The map
 * holds one entry per run copied and per code point folded, not one per character: most of a text is runs.
 */
export function normaliseWithOffsets(original: string): NormalisedText {
  let text = '';
  // Where each piece starts in the normalised text and in the original; a copied piece maps one to one, the
  // characters a code point folded into all map to that code point.
  const starts: number[] = [];
  const origins: number[] = [];
  const copied: boolean[] = [];
  const piece = (origin: number, isCopy: boolean, added: string) => {
    starts.push(text.length);
    origins.push(origin);
    copied.push(isCopy);
    text += added;
  };
  foldRuns(
    original,
    (start, end) => piece(start, true, original.slice(start, end)),
    (at, _width, folded) => folded && piece(at, false, folded),
  );
  return {
    text,
    originalAt(i) {
      if (i >= text.length) return original.length;
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (starts[middle]! <= i) low = middle;
        else high = middle - 1;
      }
      return copied[low] ? origins[low]! + i - starts[low]! : origins[low]!;
    },
  };
}

/** The original span [start, end) of the normalised span [start, end). */
export function originalSpan(normalised: NormalisedText, start: number, end: number, original: string): [number, number] {
  const from = normalised.originalAt(start);
  const lastChar = normalised.originalAt(end - 1);
  let to = lastChar + widthAt(original, lastChar);
  // Marks that follow the last letter (harakat, shadda) belong to the matched word.
  while (to < original.length && removed.test(original[to]!)) to++;
  return [from, to];
}
