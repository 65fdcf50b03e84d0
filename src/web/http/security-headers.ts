import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's headers with a content security policy that the docs page (@fastify/swagger-ui: scripts and
 * styles from its own files, inline style attributes, data: images) runs under. No inline scripts, nothing
 * from other hosts. Not upgrade-insecure-requests: khabar itself serves plain HTTP on 127.0.0.1 by default.
 */
const contentSecurityPolicy = {
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

const shared = {
  // The API's reads are public and meant for other origins' pages; CORS decides who may read them.
  crossOriginResourcePolicy: { policy: 'cross-origin' as const },
  // As frame-ancestors 'none' says, for browsers that only know X-Frame-Options.
  frameguard: { action: 'deny' as const },
};

/** For the HTML pages (docs, demo) and their assets: all of helmet's headers. */
const pageOptions: HelmetOptions = { ...shared, contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy } };

/**
 * For JSON: the headers OWASP's REST Security Cheat Sheet lists for API responses (nosniff, no framing, HSTS,
 * a policy that lets a response load nothing), without the ones that only matter to a rendered document
 * (opener and agent-cluster isolation, DNS prefetch, download options, legacy XSS filter).
 */
const apiOptions: HelmetOptions = {
  ...shared,
  contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] } },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

const pagePrefixes = ['/docs', '/demo'];

/**
 * The headers helmet sets, collected once: the policy is the same for every request (no nonces), and
 * running helmet's middleware per request (as @fastify/helmet does) builds and validates it each time.
 */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  // A response that is never sent, to read what helmet sets on it.
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  helmet(options)(request, response, () => {});
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]));
}

async function securityHeaders(app: FastifyInstance) {
  const page = helmetHeaders(pageOptions);
  const api = helmetHeaders(apiOptions);
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    reply.headers(route !== undefined && pagePrefixes.some((prefix) => route.startsWith(prefix)) ? page : api);
    done();
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
