import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { entityTag, noneMatch, recordEtag } from './etag.js';

export interface ConditionalGetOptions {
  /** Cache-Control max-age of a public read, in seconds. */
  maxAge: number;
  staleWhileRevalidate: number;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isRead = (request: FastifyRequest) => request.method === 'GET' || request.method === 'HEAD';

/** The newest `updated_at` among the records a response carries: the record's own, or a page's maximum. */
function newestUpdate(data: unknown): string | undefined {
  let newest: string | undefined;
  for (const record of Array.isArray(data) ? data : [data]) {
    const at = isObject(record) ? record.updated_at : undefined;
    if (typeof at === 'string' && (newest === undefined || at > newest)) newest = at;
  }
  return newest;
}

/** ETag (from the record) and Last-Modified (from updated_at) of a `{ data }` response, read or write. */
function stampRecords(reply: FastifyReply, payload: unknown) {
  if (reply.statusCode >= 300 || !isObject(payload)) return;
  const { data } = payload;
  const etag = isObject(data) ? recordEtag(data) : undefined;
  if (etag !== undefined) reply.header('etag', etag);
  const updated = newestUpdate(data);
  if (updated !== undefined) reply.header('last-modified', new Date(updated).toUTCString());
}

/** RFC 9110 §13.2.2: If-None-Match decides when present; If-Modified-Since only without it. */
function notModified(request: FastifyRequest, reply: FastifyReply): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  const etag = reply.getHeader('etag');
  if (ifNoneMatch !== undefined) return typeof etag === 'string' && noneMatch(ifNoneMatch, etag);
  const ifModifiedSince = request.headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  const modified = Date.parse(String(reply.getHeader('last-modified') ?? ''));
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

/**
 * Conditional reads for every GET route, present and future: a strong ETag and Last-Modified on each 200,
 * 304 without a body when the client's copy is current, and Cache-Control (public and short, or private
 * when a token was sent). Routes that set their own ETag or Cache-Control keep them; a `no-store` route
 * (health) is left alone.
 */
async function conditionalGet(app: FastifyInstance, options: ConditionalGetOptions) {
  const publicCache = `public, max-age=${options.maxAge}, stale-while-revalidate=${options.staleWhileRevalidate}`;
  app.addHook('preSerialization', (_request, reply, payload, done) => {
    stampRecords(reply, payload);
    done(null, payload);
  });
  app.addHook('onSend', (request, reply, payload, done) => done(null, conditionalResponse(request, reply, payload)));

  function conditionalResponse(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
    if (!isRead(request) || reply.statusCode !== 200 || reply.getHeader('cache-control') === 'no-store') return payload;
    if (!reply.hasHeader('etag') && (typeof payload === 'string' || Buffer.isBuffer(payload))) {
      reply.header('etag', entityTag(payload));
    }
    if (!reply.hasHeader('cache-control')) {
      reply.header('cache-control', request.headers.authorization === undefined ? publicCache : 'private, no-store');
    }
    if (!notModified(request, reply)) return payload;
    reply.code(304).removeHeader('content-type').removeHeader('content-length');
    // HEAD: Fastify's HEAD handler measures the payload for Content-Length and then drops it; a 304 may carry
    // the length the 200 would have had, so it gets the payload. GET: no body at all.
    return request.method === 'HEAD' ? payload : null;
  }
}

export default fp(conditionalGet, { name: 'conditional-get' });
