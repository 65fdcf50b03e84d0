import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type ApiToken, type Role, roles } from '../../core/config.js';
import { KhabarError } from '../../core/errors.js';
import { clientKey } from './client-key.js';
import { failureBudget } from './failure-budget.js';
import { traitsOf } from './traits.js';

/** Who sent a request: the token's name (what revisions and provenance record) and its role. */
export interface Principal {
  name: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The holder of the valid bearer token the request carried; null when it carried none. */
    principal: Principal | null;
  }
}

/** Roles are ordered: a token may call what its role or any lesser one may. */
const allows = (held: Role, needed: Role) => roles.indexOf(held) >= roles.indexOf(needed);

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Finds the token by comparing fixed-length digests in constant time, every token every time. */
function tokenMatcher(tokens: ApiToken[]) {
  const known = tokens.map(({ name, role, secret }) => ({ principal: { name, role }, digest: digest(secret) }));
  return (presented: string): Principal | null => {
    const candidate = digest(presented);
    let match: Principal | null = null;
    for (const token of known) if (timingSafeEqual(candidate, token.digest)) match = token.principal;
    return match;
  };
}

const bearerScheme = /^Bearer(\s|$)/i;

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
  const error = !bearerScheme.test(header) ? null : presented === undefined ? 'invalid_request' : 'invalid_token';
  return `Bearer realm="khabar"${error ? `, error="${error}"` : ''}`;
}

async function bearerAuth(app: FastifyInstance, options: BearerAuthOptions) {
  const match = tokenMatcher(options.tokens);
  // Failed attempts count per client (an address, an IPv6 /64): without it, online token guessing would be unlimited.
  const failures = failureBudget({ max: options.maxFailures, windowMs: options.windowSeconds * 1000 });
  app.decorateRequest('principal', null);
  app.addHook('onRequest', (request, reply, done) => {
    const needed = traitsOf(request).role;
    const header = request.headers.authorization ?? '';
    // A route open to anyone, asked without bearer credentials: anonymous, with no digest and no budget to look up.
    if (needed === undefined && !bearerScheme.test(header)) return done();
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
    const presented = /^Bearer (\S+)$/i.exec(header)?.[1];
    const principal = presented ? match(presented) : null;
    if (!principal) {
      failures.charge(client);
      reply.header('WWW-Authenticate', challenge(header, presented));
      const reason = options.tokens.length === 0 ? 'no API_TOKENS configured: writes are disabled and no token is accepted' : 'missing or invalid bearer token';
      throw new KhabarError('unauthorized', reason);
    }
    // A valid token of too small a role is not a guess: refused with 403, not charged to the budget.
    if (needed !== undefined && !allows(principal.role, needed)) {
      throw new KhabarError('forbidden', `this needs a token with the ${needed} role or above; the token ${principal.name} has the ${principal.role} role`);
    }
    request.principal = principal;
    done();
  });
}

export default fp(bearerAuth, { name: 'bearer-auth' });
