import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { rateLimitHeaders } from './rate-limit.js';
import { positionHeader } from './read-your-writes.js';

/** Headers a browser script may read from a response. */
const exposedHeaders = ['ETag', 'Last-Modified', 'Location', 'Link', ...rateLimitHeaders, 'Retry-After', 'X-Request-Id', 'Idempotent-Replayed', positionHeader];

/** Request headers a browser script may send. */
const allowedHeaders = ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'If-Modified-Since', 'Idempotency-Key', 'X-Request-Id', positionHeader];

/**
 * CORS for browser frontends: `*` (any origin) or the configured list. A preflight is answered here with
 * its CORS headers and then by the OPTIONS handler (Allow, 204), and browsers cache it for a day.
 */
async function corsPolicy(app: FastifyInstance, options: { origins: '*' | string[] }) {
  await app.register(cors, {
    origin: options.origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders,
    exposedHeaders,
    maxAge: 86_400,
    strictPreflight: false,
    preflightContinue: true,
  });
}

export default fp(corsPolicy, { name: 'cors' });
