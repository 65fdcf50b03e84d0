import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiToken } from '../../core/config.js';
import { KhabarError } from '../../core/errors.js';
import { clientKey } from './client-key.js';
import { failureBudget } from './failure-budget.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the token that authorised this write; null on reads. */
    writer: string | null;
  }
}

/** The security requirement a write route declares; the same declaration turns the check on. */
export const bearerSecurity = [{ bearerAuth: [] }];

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Finds the token by comparing fixed-length digests in constant time, every token every time. */
export function tokenMatcher(tokens: ApiToken[]) {
  const known = tokens.map((token) => ({ name: token.name, digest: digest(token.secret) }));
  return (presented: string): string | null => {
    const candidate = digest(presented);
    let match: string | null = null;
    for (const token of known) if (timingSafeEqual(candidate, token.digest)) match = token.name;
    return match;
  };
}

/** The token of an `Authorization: Bearer <token>` header; undefined for another scheme or a malformed header. */
export const bearerToken = (header: string): string | undefined => /^Bearer (\S+)$/i.exec(header)?.[1];

function requiresToken(request: FastifyRequest): boolean {
  const security = request.routeOptions.schema?.security;
  return Array.isArray(security) && security.length > 0;
}

interface BearerAuthOptions {
  tokens: ApiToken[];
  /** Requests refused with 401 per client address per window, before the next one is refused with 429; 0: no limit. */
  maxFailures: number;
  windowSeconds: number;
}

/**
 * The challenge of a 401 (RFC 6750 section 3): no error code without bearer credentials (none, or another
 * scheme), invalid_request for a malformed bearer header, invalid_token when the token was refused.
 */
function challenge(header: string, presented: string | undefined): string {
  const error = !/^Bearer(\s|$)/i.test(header) ? null : presented === undefined ? 'invalid_request' : 'invalid_token';
  return `Bearer realm="khabar"${error ? `, error="${error}"` : ''}`;
}

async function bearerAuth(app: FastifyInstance, options: BearerAuthOptions) {
  const match = tokenMatcher(options.tokens);
  // Failed attempts count per client (an address, an IPv6 /64): without it, online token guessing would be unlimited.
  const failures = failureBudget({ max: options.maxFailures, windowMs: options.windowSeconds * 1000 });
  app.decorateRequest('writer', null);
  app.addHook('onRequest', (request, reply, done) => {
    if (!requiresToken(request)) return done();
    const client = clientKey(request.ip);
    const refusal = failures.refusal(client);
    if (refusal) {
      const { retryAfterSeconds, tableFull } = refusal;
      reply.header('Retry-After', String(retryAfterSeconds));
      const reason = tableFull
        ? 'too many addresses are blocked for failed authentications to count another'
        : `${options.maxFailures} failed authentications from this address within ${options.windowSeconds} s`;
      throw new KhabarError('too_many_requests', `${reason}; retry in ${retryAfterSeconds} s`);
    }
    const header = request.headers.authorization ?? '';
    const presented = bearerToken(header);
    const writer = presented ? match(presented) : null;
    if (!writer) {
      failures.charge(client);
      reply.header('WWW-Authenticate', challenge(header, presented));
      const reason = options.tokens.length === 0 ? 'writes are disabled: no API_TOKENS configured' : 'missing or invalid bearer token';
      throw new KhabarError('unauthorized', reason);
    }
    request.writer = writer;
    done();
  });
}

export default fp(bearerAuth, { name: 'bearer-auth' });
