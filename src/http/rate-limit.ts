import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../errors.js';

export interface RateLimitOptions {
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
const isExempt = (request: FastifyRequest) => request.method === 'OPTIONS' || isExemptRoute(request.routeOptions.url ?? '');

/**
 * Reads are counted per client address, writes per token (the check runs after authentication, so an
 * unauthenticated write is refused with 401 before it counts). Over the limit: 429 problem+json with Retry-After.
 */
async function rateLimits(app: FastifyInstance, options: RateLimitOptions) {
  const maxFor = (request: FastifyRequest) => (isWrite(request) ? options.writeMax : options.readMax);
  // A route no limit applies to gets no rate-limit hook at all, rather than one that lets every request pass.
  app.addHook('onRoute', (route: RouteOptions) => {
    const limited = [route.method].flat().some((method) => method !== 'OPTIONS' && (reads.has(method) ? options.readMax : options.writeMax) > 0);
    if (!limited || isExemptRoute(route.url)) route.config = { ...route.config, rateLimit: false };
  });
  await app.register(rateLimit, {
    global: true,
    hook: 'preValidation',
    enableDraftSpec: true,
    timeWindow: options.windowSeconds * 1000,
    keyGenerator: (request) => (isWrite(request) ? `write:${request.writer}` : `read:${request.ip}`),
    max: (request) => maxFor(request),
    allowList: (request) => isExempt(request) || maxFor(request) === 0,
    errorResponseBuilder: (_request, context) =>
      new KhabarError('too_many_requests', `more than ${context.max} requests in ${options.windowSeconds} s; retry in ${context.after}`),
  });
}

export default fp(rateLimits, { name: 'rate-limit' });
