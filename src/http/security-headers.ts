import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Helmet's headers with a content security policy that the docs page (@fastify/swagger-ui: scripts and
 * styles from its own files, inline style attributes, data: images) runs under. No inline scripts, nothing
 * from other hosts. Not upgrade-insecure-requests: khabar itself serves plain HTTP on 127.0.0.1 by default.
 */
export const contentSecurityPolicy = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
};

const helmetOptions: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy },
  // The API's reads are public and meant for other origins' pages; CORS decides who may read them.
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  // As frame-ancestors 'none' says, for browsers that only know X-Frame-Options.
  frameguard: { action: 'deny' },
};

/**
 * The headers helmet sets, collected once: the policy is the same for every request (no nonces), and
 * running helmet's middleware per request (as @fastify/helmet does) builds and validates it each time.
 */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  helmet(options)({} as never, response as never, () => {});
  return headers;
}

async function securityHeaders(app: FastifyInstance) {
  const headers = helmetHeaders(helmetOptions);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
