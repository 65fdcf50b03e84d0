/** Walking a JavaScript string by code points, in UTF-16 code units, without allocating a string per character. */

export const isSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdfff;

/** A high surrogate at `i` followed by a low one: one code point in two units (a lone surrogate is one unit, as `for…of` reads it). */
export function isPairAt(text: string, i: number): boolean {
  const high = text.charCodeAt(i);
  const low = text.charCodeAt(i + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

/** How many code units the code point at `i` takes. */
export const widthAt = (text: string, i: number): number => (isPairAt(text, i) ? 2 : 1);
