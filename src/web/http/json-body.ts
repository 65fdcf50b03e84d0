import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';
import { decodeUtf8Body } from './utf8-body.js';

/** Deeper than any body khabar accepts (three levels), shallow enough that no parser or validator recursion can overflow. */
export const maxJsonDepth = 32;

/** The deepest nesting of arrays and objects in a JSON text, stopping as soon as it passes `limit`. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

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
 * The first string of a parsed JSON body, key or value, that cannot be stored as sent, with its dotted path
 * (`body.0.text`, as zod's issues are named); null when there is none. The body is at most `maxJsonDepth` deep.
 */
function unstorableString(value: unknown, path = 'body'): { path: string; message: string } | null {
  if (typeof value === 'string') {
    const message = unstorable(value);
    return message === undefined ? null : { path, message };
  }
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const keyMessage = unstorable(key);
    if (keyMessage !== undefined) return { path, message: `a key ${keyMessage}` };
    const found = unstorableString(item, `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

/**
 * JSON bodies (application/json and merge patch) are read as bytes so that invalid UTF-8 is refused instead of
 * silently replaced, nesting is bounded before parsing, `__proto__` / `constructor.prototype` keys are errors,
 * and a string that would not be stored as sent (a lone surrogate, NUL) is a 400 naming where it is.
 */
async function jsonBody(app: FastifyInstance, options: { mediaTypes: string[] }) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(options.mediaTypes, { parseAs: 'buffer' }, (request: FastifyRequest, raw: Buffer, done) => {
    let text: string;
    try {
      text = decodeUtf8Body(request, raw);
    } catch (error) {
      return done(error as KhabarError, undefined);
    }
    if (jsonDepthExceeds(text, maxJsonDepth)) {
      return done(new KhabarError('malformed_body', `the body nests deeper than ${maxJsonDepth} levels`), undefined);
    }
    parseJson(request, text, (error, parsed) => {
      if (error) return done(error, undefined);
      const found = unstorableString(parsed);
      if (found) return done(new KhabarError('validation_failed', `${found.path} ${found.message}`, [found]), undefined);
      done(null, parsed);
    });
  });
}

export default fp(jsonBody, { name: 'json-body' });
