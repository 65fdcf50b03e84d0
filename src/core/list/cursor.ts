import { KhabarError } from '../errors.js';

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new KhabarError('validation_failed', 'cursor is not one this API issued', [{ path: 'querystring.cursor', message: 'malformed cursor' }]);
  }
}

/** The URL of the next page: the request's own URL with the cursor set (relative, as `links` are). */
export function nextPageLink(requestUrl: string, cursor: string, parameter = 'cursor'): string {
  const url = new URL(requestUrl, 'http://khabar.invalid');
  url.searchParams.set(parameter, cursor);
  return `${url.pathname}${url.search}`;
}
