import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../../core/config.js';

/**
 * TRUST_PROXY as Fastify's trustProxy. A hop count becomes a function trusting the first `hops` addresses
 * counted from the socket (Fastify itself treats a number as trusting no one): the client address is the
 * one the outermost trusted proxy saw, whatever a client wrote to the left of it in X-Forwarded-For.
 */
export function trustProxyOption(trust: Config['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (typeof trust !== 'number') return trust;
  return (_address: string, hop: number) => hop < trust;
}
