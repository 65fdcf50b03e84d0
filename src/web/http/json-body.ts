import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';
import { unstorableString } from './unstorable.js';
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
      const found = unstorableString(parsed, 'body');
      if (found) return done(new KhabarError('validation_failed', `${found.path} ${found.message}`, [found]), undefined);
      done(null, parsed);
    });
  });
}

export default fp(jsonBody, { name: 'json-body' });
