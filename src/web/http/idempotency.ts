import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';
import type { Services } from '../../core/services.js';
import { traitsOf } from './traits.js';

/** JSON with object keys sorted, so equal values give equal text whatever order their keys were built in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request holds until its response is stored. */
    idempotencyKey: string | null;
  }
}

const idempotencyKeyHeader = 'idempotency-key';
const replayedHeader = 'idempotent-replayed';

/** Visible ASCII, as the draft's sf-string allows, and bounded. */
const keyShape = /^[\x21-\x7e]{1,255}$/;

/** Response headers a replay repeats along with the status and body. */
const replayedHeaders = ['content-type', 'location', 'etag', 'last-modified'];

/** What was asked: the same key with a different method, path or body is a different request. */
const fingerprint = (request: FastifyRequest) =>
  createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonicalJson(request.body)}`)
    .digest('base64url');

function keyOf(request: FastifyRequest): string | undefined {
  const key = request.headers[idempotencyKeyHeader];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !keyShape.test(key)) {
    throw new KhabarError('validation_failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters', [{ path: 'headers.idempotency-key', message: 'invalid' }]);
  }
  return key;
}

function replay(reply: FastifyReply, stored: { status: number; headers: Record<string, string>; body: string }) {
  return reply
    .code(stored.status)
    .headers({ ...stored.headers, [replayedHeader]: 'true' })
    .send(stored.body);
}

/**
 * Idempotency-Key on the routes that declare `traits.idempotent` (IETF httpapi draft), scoped to the writer's token: the first request's 2xx response
 * is stored and replayed for the same key and body; the same key with another body gets 422, and while the
 * first request is still running 409. A failed request releases its key, so it can be retried.
 */
async function idempotency(app: FastifyInstance, options: { store: Services['idempotency'] }) {
  const { store } = options;
  app.decorateRequest('idempotencyKey', null);

  // Callback hooks that touch the store only for a request holding a key: every other request passes without a promise.
  app.addHook('preHandler', (request, reply, done) => {
    if (!traitsOf(request).idempotent || request.principal === null) return done();
    const key = keyOf(request);
    if (key === undefined) return done();
    store.claim(request.principal.name, key, fingerprint(request)).then((claim) => {
      switch (claim.outcome) {
        case 'claimed':
          request.idempotencyKey = key;
          return done();
        case 'reused':
          return done(new KhabarError('idempotency_key_reused', 'this Idempotency-Key was used for a different request; use a new key'));
        case 'in_flight':
          reply.header('retry-after', '1');
          return done(new KhabarError('idempotency_key_in_flight', 'a request with this Idempotency-Key is still being processed'));
        case 'replay':
          // Answered here: the chain stops without done().
          replay(reply, claim.response);
      }
    }, done);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const key = request.idempotencyKey;
    if (key === null) return done(null, payload);
    request.idempotencyKey = null;
    // The response stands even when its key cannot be recorded (the database busy past its wait): the write it
    // answers may be committed, and a 503 in its place would tell the client to do it again. The key then stays
    // in flight until it expires (a minute).
    recordResponse(request.principal!.name, key, reply, payload).then(
      () => done(null, payload),
      (error: unknown) => {
        request.log.error({ err: error }, 'the Idempotency-Key was not recorded; the response is sent as it is');
        done(null, payload);
      },
    );
  });

  /** Keeps a 2xx response for its key; any other releases the key, so the request can be retried. */
  async function recordResponse(writer: string, key: string, reply: FastifyReply, payload: unknown) {
    if (reply.statusCode >= 300 || typeof payload !== 'string') return store.release(writer, key);
    const headers: Record<string, string> = {};
    for (const name of replayedHeaders) if (reply.hasHeader(name)) headers[name] = String(reply.getHeader(name));
    return store.complete(writer, key, { status: reply.statusCode, headers, body: payload });
  }
}

export default fp(idempotency, { name: 'idempotency', dependencies: ['bearer-auth', 'conditional-get'] });
