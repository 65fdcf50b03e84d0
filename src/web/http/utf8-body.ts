import type { FastifyRequest } from 'fastify';
import { KhabarError } from '../../core/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A request body as text: a charset other than UTF-8 is a 415 (its bytes would otherwise be read as UTF-8 and
 * stored changed), bytes that are not valid UTF-8 are refused, not replaced, and so is NUL. A leading BOM is dropped.
 */
export function decodeUtf8Body(request: FastifyRequest, bytes: Buffer): string {
  const charset = /;\s*charset="?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new KhabarError('unsupported_media_type', `charset ${charset} is not supported: send UTF-8`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new KhabarError('malformed_body', 'the body is not valid UTF-8');
  }
  // PostgreSQL's text cannot hold NUL (a JSON text has none outside its escapes, which json-body.ts checks).
  if (text.includes('\0')) throw new KhabarError('malformed_body', 'the body holds a NUL character');
  return text;
}
