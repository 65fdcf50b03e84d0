import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';

interface PathMethods {
  pattern: RegExp;
  /** No parameters: the router prefers it to a parametric route matching the same path. */
  fixed: boolean;
  methods: Set<string>;
}

const escapeRegExp = (segment: string) => segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A parameter segment, `:id` or one the router restricts by a pattern, `:resource(articles|people)`. */
const segmentPattern = (segment: string) => (segment.startsWith(':') ? `(?:${/^:\w+\((.*)\)$/.exec(segment)?.[1] ?? '[^/]+'})` : escapeRegExp(segment));

/** `/v1/articles/:id` → a pattern matching concrete paths of that route. */
const routePattern = (url: string) => new RegExp(`^${url.split('/').map(segmentPattern).join('/')}/?$`);

/**
 * Knows every route's methods by path, to answer `OPTIONS` with Allow (204) and a wrong method on a known
 * path with 405 and Allow instead of 404, and a path no route knows with 404 at once. Wildcard routes (static
 * files, the CORS catch-all) are left out.
 */
async function allowedMethods(app: FastifyInstance) {
  const paths = new Map<string, PathMethods>();
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.url.includes('*')) return;
    const entry = paths.get(route.url) ?? { pattern: routePattern(route.url), fixed: !route.url.includes(':'), methods: new Set(['OPTIONS']) };
    for (const method of [route.method].flat()) entry.methods.add(method);
    if (entry.methods.has('GET')) entry.methods.add('HEAD');
    paths.set(route.url, entry);
  });

  const allowFor = (url: string): string | null => {
    const path = url.split('?')[0]!;
    const matches = [...paths.values()].filter((entry) => entry.pattern.test(path));
    const chosen = matches.some((entry) => entry.fixed) ? matches.filter((entry) => entry.fixed) : matches;
    const methods = new Set(chosen.flatMap((entry) => [...entry.methods]));
    return methods.size === 0 ? null : [...methods].join(', ');
  };

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.method !== 'OPTIONS' && !request.is404) return done();
    const allow = allowFor(request.url);
    if (allow === null) {
      if (request.method === 'OPTIONS') throw new KhabarError('route_not_found', `no route ${request.url}`);
      // Answered before its body is read: the not-found handler's lifecycle would decompress and parse a body no
      // route asked for, without a token (a 1 MB JSON array of zeros held the event loop for 200-350 ms).
      throw new KhabarError('route_not_found', `no route ${request.method} ${request.url}`);
    }
    reply.header('allow', allow);
    if (request.method !== 'OPTIONS') throw new KhabarError('method_not_allowed', `${request.method} is not allowed here; use ${allow}`);
    // Answered here: the chain stops without done().
    reply.code(204).send();
  });
}

export default fp(allowedMethods, { name: 'allowed-methods', dependencies: ['cors'] });
