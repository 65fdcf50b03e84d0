import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiToken } from '../config.js';
import { KhabarError } from '../errors.js';

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
function tokenMatcher(tokens: ApiToken[]) {
  const known = tokens.map((token) => ({ name: token.name, digest: digest(token.secret) }));
  return (presented: string): string | null => {
    const candidate = digest(presented);
    let match: string | null = null;
    for (const token of known) if (timingSafeEqual(candidate, token.digest)) match = token.name;
    return match;
  };
}

function requiresToken(request: FastifyRequest): boolean {
  const security = request.routeOptions.schema?.security;
  return Array.isArray(security) && security.length > 0;
}

async function bearerAuth(app: FastifyInstance, options: { tokens: ApiToken[] }) {
  const match = tokenMatcher(options.tokens);
  app.decorateRequest('writer', null);
  app.addHook('onRequest', (request, reply, done) => {
    if (!requiresToken(request)) return done();
    const header = request.headers.authorization ?? '';
    const presented = /^Bearer (\S+)$/i.exec(header)?.[1];
    const writer = presented ? match(presented) : null;
    if (!writer) {
      reply.header('WWW-Authenticate', 'Bearer realm="khabar"');
      const reason = options.tokens.length === 0 ? 'writes are disabled: no API_TOKENS configured' : 'missing or invalid bearer token';
      throw new KhabarError('unauthorized', reason);
    }
    request.writer = writer;
    done();
  });
}

export default fp(bearerAuth, { name: 'bearer-auth' });
