import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Visibility } from '../../core/list/visibility.js';
import { entityTag, heldTag, noneMatch, recordEtag } from './etag.js';
import { sentForm } from './large-bodies.js';
import { traitsOf } from './traits.js';
import { appendVary } from './vary.js';

interface ConditionalGetOptions {
  /** Cache-Control max-age of a public read, in seconds. */
  maxAge: number;
  staleWhileRevalidate: number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const isRead = (request: FastifyRequest) => request.method === 'GET' || request.method === 'HEAD';

/** The newest `updated_at` among the records a write response carries. */
function newestUpdate(data: unknown): number {
  let newest = NaN;
  for (const record of Array.isArray(data) ? data : [data]) {
    const at = isObject(record) && typeof record.updated_at === 'string' ? Date.parse(record.updated_at) : NaN;
    if (at > newest || Number.isNaN(newest)) newest = at;
  }
  return newest;
}

/**
 * ETag (from the record) of a `{ data }` response, and a write's Last-Modified: the written records'
 * updated_at, which is when they changed. A read carries no Last-Modified: its representation also changes
 * without the record's updated_at moving (a new member, a linked record renamed or deleted), so no date
 * the server holds is the representation's own; the ETag is its exact validator.
 */
function stampRecords(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  if (reply.statusCode >= 300 || !isObject(payload) || payload.data === undefined) return;
  const { data } = payload;
  const etag = isObject(data) ? recordEtag(data) : undefined;
  if (etag !== undefined) reply.header('etag', etag);
  if (isRead(request)) return;
  const modified = newestUpdate(data);
  if (!Number.isNaN(modified)) reply.header('last-modified', new Date(modified).toUTCString());
}

interface Preconditions {
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
}

/**
 * RFC 9110 §13.2.2: If-None-Match decides when present; If-Modified-Since only without it, and only for a
 * response that has a Last-Modified (none of the API's reads do).
 */
function notModified(reply: FastifyReply, { ifNoneMatch, ifModifiedSince }: Preconditions): boolean {
  const etag = reply.getHeader('etag');
  if (ifNoneMatch !== undefined) return typeof etag === 'string' && noneMatch(ifNoneMatch, etag);
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  const modified = Date.parse(String(reply.getHeader('last-modified') ?? ''));
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

/**
 * Conditional reads for the routes that declare `traits.cacheable`: a strong ETag on each 200, 304 without
 * a body when the client's copy is current, and Cache-Control (public and short, or private when a token
 * was sent). Routes that set their own ETag or Cache-Control keep them.
 */
async function conditionalGet(app: FastifyInstance, options: ConditionalGetOptions) {
  const publicCache = `public, max-age=${options.maxAge}, stale-while-revalidate=${options.staleWhileRevalidate}`;

  /**
   * Public and short; no longer, stale or not, than until the next scheduled publication, when the answer may
   * change with no write. Private when a token was sent, whether or not it sees unpublished articles.
   */
  function cacheControl(request: FastifyRequest, visibility: Visibility | null): string {
    if (request.headers.authorization !== undefined) return 'private, no-store';
    // Only the data reads (the routes that declare formats) depend on what the public sees.
    if (visibility === null) return publicCache;
    if (visibility.audience !== 'public' || visibility.nextPublication === null) return publicCache;
    const fresh = Math.max(0, Math.floor((Date.parse(visibility.nextPublication) - Date.parse(visibility.now)) / 1000));
    const maxAge = Math.min(options.maxAge, fresh);
    return `public, max-age=${maxAge}, stale-while-revalidate=${Math.min(options.staleWhileRevalidate, fresh - maxAge)}`;
  }
  app.addHook('preSerialization', (request, reply, payload, done) => {
    stampRecords(request, reply, payload);
    done(null, payload);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const { cacheable, formats } = traitsOf(request);
    // A data read's visibility was decided when its handler read the data: awaiting it reads nothing more.
    if (!cacheable || formats === undefined || reply.statusCode !== 200) return done(null, conditionalResponse(request, reply, payload, null));
    request.visibility.then((visibility) => done(null, conditionalResponse(request, reply, payload, visibility)), done);
  });

  function conditionalResponse(request: FastifyRequest, reply: FastifyReply, received: unknown, visibility: Visibility | null): unknown {
    if (!traitsOf(request).cacheable || reply.statusCode !== 200) return received;
    let payload = received;
    if (!reply.hasHeader('etag')) {
      // Hashing a string encodes it, as sending it does again: a large body is encoded once, here.
      payload = sentForm(received);
      if (typeof payload === 'string' || Buffer.isBuffer(payload)) reply.header('etag', entityTag(payload));
    }
    if (!reply.hasHeader('cache-control')) {
      reply.header('cache-control', cacheControl(request, visibility));
    }
    // A shared cache must not give an anonymous copy to a request with a token, which may be answered otherwise.
    appendVary(reply, 'Authorization');
    const preconditions = { ifNoneMatch: request.headers['if-none-match'], ifModifiedSince: request.headers['if-modified-since'] };
    if (!notModified(reply, preconditions)) return payload;
    const { ifNoneMatch } = preconditions;
    if (ifNoneMatch !== undefined) reply.header('etag', heldTag(ifNoneMatch, reply.getHeader('etag') as string));
    reply.code(304).removeHeader('content-type').removeHeader('content-length');
    // HEAD: Fastify's HEAD handler measures the payload for Content-Length and then drops it; a 304 may carry
    // the length the 200 would have had, so it gets the payload. GET: no body at all.
    return request.method === 'HEAD' ? payload : null;
  }
}

export default fp(conditionalGet, { name: 'conditional-get', dependencies: ['visibility'] });
