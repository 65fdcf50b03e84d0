import type { FastifyRequest } from 'fastify';

/**
 * The path a request was routed by, one spelling for each resource: the route's own path, its wildcard's value (which
 * the router has decoded) put in with each segment encoded again. `/docs/st%61tic/x%2Ejs` and `/docs/static/x.js` give
 * the same, so a per-process cache keyed by it holds one entry a resource, not one a spelling. Undefined when the
 * wildcard holds a `.` or `..` segment (`x/../y`, `%2e%2e`): the router does not resolve them, so each would be a
 * spelling of its own, and a file server refuses them anyway. A route with named parameters gives the path as sent.
 */
export function routedPath(request: FastifyRequest): string | undefined {
  const route = request.routeOptions.url;
  const sent = request.url.split('?')[0] ?? request.url;
  if (route === undefined || route.includes(':')) return sent;
  if (!route.endsWith('*')) return route;
  const { params } = request;
  const segments = (typeof params === 'object' && params !== null && '*' in params && typeof params['*'] === 'string' ? params['*'] : '').split('/');
  if (segments.some((segment) => segment === '.' || segment === '..')) return undefined;
  return route.slice(0, -1) + segments.map(encodeURIComponent).join('/');
}
