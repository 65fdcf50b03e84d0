import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';
import { clientKey } from './client-key.js';

interface RateLimitOptions {
  /** Reads per client address per window; 0: no limit. */
  readMax: number;
  /** Writes per token per window; 0: no limit. */
  writeMax: number;
  windowSeconds: number;
}

/** The draft-7 ("RateLimit header fields for HTTP") names @fastify/rate-limit sends with enableDraftSpec. */
export const rateLimitHeaders = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

const reads = new Set(['GET', 'HEAD', 'OPTIONS']);
const isWrite = (request: FastifyRequest) => !reads.has(request.method);

/** Health checks, the contract and the docs page are never limited. */
const isExemptRoute = (url: string) => url === '/health' || url === '/openapi.json' || url.startsWith('/docs');

/**
 * Reads are counted per client address, writes per token (the check runs after authentication, so an
 * unauthenticated write is refused with 401 before it counts). Over the limit: 429 problem+json with Retry-After.
 */
async function rateLimits(app: FastifyInstance, options: RateLimitOptions) {
  const maxOf = (method: string) => (reads.has(method) ? options.readMax : options.writeMax);
  const maxFor = (request: FastifyRequest) => maxOf(request.method);
  // A route no limit applies to (exempt, or of methods whose limit is 0) gets no rate-limit hook at all.
  app.addHook('onRoute', (route: RouteOptions) => {
    const limited = [route.method].flat().some((method) => method !== 'OPTIONS' && maxOf(method) > 0);
    if (!limited || isExemptRoute(route.url)) route.config = { ...route.config, rateLimit: false };
  });
  await app.register(rateLimit, {
    global: true,
    hook: 'preValidation',
    enableDraftSpec: true,
    timeWindow: options.windowSeconds * 1000,
    keyGenerator: (request) => (isWrite(request) ? `write:${request.writer}` : `read:${clientKey(request.ip)}`),
    max: (request) => maxFor(request),
    // A route of several methods may mix a limited one with an unlimited one; OPTIONS is never counted.
    allowList: (request) => request.method === 'OPTIONS' || maxFor(request) === 0,
    errorResponseBuilder: (_request, context) => new KhabarError('too_many_requests', `more than ${context.max} requests in ${options.windowSeconds} s; retry in ${context.after}`),
  });
}

export default fp(rateLimits, { name: 'rate-limit' });
