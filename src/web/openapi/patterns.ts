import type { Json } from './tidy.js';

/**
 * Unicode property classes (`\p{L}`) are ECMAScript-only: Python's `re` and many OpenAPI tools reject or
 * misread them. The contract spells each class containing one as the explicit code point ranges it stands
 * for in this Node's Unicode tables, so every tool reads the same set the server checks.
 */

const propertyClass = /\[((?:[^\]\\]|\\.)*\\[pP]\{[^}]+\}(?:[^\]\\]|\\.)*)\]/g;

/** A letter or digit: the same character to every regex engine, and a third of the bytes of its escape. */
const literal = /^[\p{L}\p{N}]$/u;

const codePointEscape = (codePoint: number) => {
  const character = String.fromCodePoint(codePoint);
  // Anything else in the BMP as \uXXXX (ECMAScript, Python, Java alike); beyond it the character itself, as \u{…} is ECMAScript-only.
  return literal.test(character) || codePoint >= 0x10000 ? character : `\\u${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
};

/** `[\p{L}\p{N}]` → `[0-9A-Za-zª…]`: the same set of code points, as ranges. */
function explicitClass(body: string): string {
  const member = new RegExp(`^[${body}]$`, 'u');
  const ranges: string[] = [];
  let start = -1;
  for (let codePoint = 0; codePoint <= 0x110000; codePoint++) {
    const inside = codePoint < 0x110000 && member.test(String.fromCodePoint(codePoint));
    if (inside && start < 0) start = codePoint;
    if (!inside && start >= 0) {
      const end = codePoint - 1;
      ranges.push(start === end ? codePointEscape(start) : `${codePointEscape(start)}-${codePointEscape(end)}`);
      start = -1;
    }
  }
  return `[${ranges.join('')}]`;
}

/** Rewrites, in place, every `pattern` of the document that uses a Unicode property class. */
export function portablePatterns(document: Json): Json {
  const expanded = new Map<string, string>();
  const rewrite = (pattern: string) =>
    pattern.replace(propertyClass, (_, body: string) => {
      if (!expanded.has(body)) expanded.set(body, explicitClass(body));
      return expanded.get(body)!;
    });
  const walk = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'pattern' && typeof child === 'string') Reflect.set(value, key, rewrite(child));
      else walk(child);
    }
  };
  walk(document);
  return document;
}
