import helmet from '@fastify/helmet';
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

async function securityHeaders(app: FastifyInstance) {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy },
    // The API's reads are public and meant for other origins' pages; CORS decides who may read them.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // As frame-ancestors 'none' says, for browsers that only know X-Frame-Options.
    frameguard: { action: 'deny' },
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
