import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';
import { clientKey } from './client-key.js';
import { type Traits, traitsOf } from './traits.js';

interface RateLimitOptions {
  /** Reads per client address per window; 0: no limit. */
  readMax: number;
  /** Writes per token per window; 0: no limit. */
  writeMax: number;
  windowSeconds: number;
}

/** The draft-7 ("RateLimit header fields for HTTP") names @fastify/rate-limit sends with enableDraftSpec. */
export const rateLimitHeaders = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

type RateLimitClass = NonNullable<Traits['rateLimit']>;

/**
 * Routes declare the limit they count against (`traits.rateLimit`): reads per client address, writes per
 * token (the check runs after authentication, so an unauthenticated write is refused with 401 before it
 * counts, and before the body is read). Over the limit: 429 problem+json with Retry-After. OPTIONS is never counted.
 */
async function rateLimits(app: FastifyInstance, options: RateLimitOptions) {
  const maxOf: Record<RateLimitClass, number> = { read: options.readMax, write: options.writeMax };
  const classOf = (request: FastifyRequest) => (request.method === 'OPTIONS' ? undefined : traitsOf(request).rateLimit);
  await app.register(rateLimit, {
    global: false,
    enableDraftSpec: true,
    timeWindow: options.windowSeconds * 1000,
    keyGenerator: (request) => (classOf(request) === 'write' ? `write:${request.principal?.name}` : `read:${clientKey(request.ip)}`),
    max: (request) => maxOf[classOf(request) ?? 'read'],
    errorResponseBuilder: (_request, context) => new KhabarError('too_many_requests', `more than ${context.max} requests in ${options.windowSeconds} s; retry in ${context.after}`),
  });
  const limit = app.rateLimit();
  // Counted before the body is read: a write over its limit costs no decompression or parse (a 1 MB body: 20-60 ms).
  app.addHook('onRequest', async (request, reply) => {
    const limitClass = classOf(request);
    if (limitClass !== undefined && maxOf[limitClass] > 0) await limit.call(app, request, reply);
  });
}

// After authentication (a write is counted by its token), and after the 404, 405 and 415 that are answered uncounted.
export default fp(rateLimits, { name: 'rate-limit', dependencies: ['bearer-auth', 'allowed-methods', 'media-types'] });
