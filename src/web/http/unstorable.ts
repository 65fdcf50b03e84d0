/** A surrogate code unit without its pair: in a `u` pattern a pair is one code point, never of category Cs. */
const loneSurrogate = /\p{Cs}/u;

/** Why a string cannot be stored as it was sent, or undefined when it can. */
function unstorable(text: string): string | undefined {
  // UTF-8 has no form for a lone surrogate (`"\ud800"`): SQLite would keep invalid bytes that read back as U+FFFD.
  if (loneSurrogate.test(text)) return 'holds a lone surrogate (\\ud800–\\udfff without its pair), which UTF-8 cannot encode';
  // PostgreSQL's text cannot hold NUL, and the substring index's MATCH string would end at it.
  if (text.includes('\0')) return 'holds a NUL character (\\u0000)';
  return undefined;
}

/**
 * The first string of a parsed JSON body, a query or a route's parameters, key or value, that cannot be stored as
 * sent, with its dotted path (`body.0.text`, `querystring.q`, as zod's issues are named); null when there is none.
 * A body is at most `maxJsonDepth` deep, a query as deep as its parser makes it.
 */
export function unstorableString(value: unknown, path: string): { path: string; message: string } | null {
  const found = firstUnstorable(value);
  return found && { path: [path, ...found.at].join('.'), message: found.message };
}

/**
 * The first unstorable string in `value`, with the keys that lead to it. A walk as cheap as the parse before it: an
 * array by its indices and the path built only for what is found (a 1 MB array of zeros took 300 ms with a path
 * string and an entry pair made for each item).
 */
function firstUnstorable(value: unknown): { at: string[]; message: string } | null {
  if (typeof value === 'string') {
    const message = unstorable(value);
    return message === undefined ? null : { at: [], message };
  }
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = firstUnstorable(value[index]);
      if (found) return { at: [String(index), ...found.at], message: found.message };
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyMessage = unstorable(key);
    if (keyMessage !== undefined) return { at: [], message: `a key ${keyMessage}` };
    const found = firstUnstorable(item);
    if (found) return { at: [key, ...found.at], message: found.message };
  }
  return null;
}
