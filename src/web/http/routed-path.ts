import type { FastifyRequest } from 'fastify';

/**
 * The path a request was routed by, one spelling for each resource: the route's own path, its wildcard's value (which
 * the router has decoded) put in with each segment encoded again. `/docs/st%61tic/x%2Ejs` and `/docs/static/x.js` give
 * the same, so a per-process cache keyed by it holds one entry a resource, not one a spelling. A route with named
 * parameters gives the path as sent.
 */
export function routedPath(request: FastifyRequest): string {
  const route = request.routeOptions.url;
  const sent = request.url.split('?')[0] ?? request.url;
  if (route === undefined || route.includes(':')) return sent;
  if (!route.endsWith('*')) return route;
  const { params } = request;
  const rest = typeof params === 'object' && params !== null && '*' in params && typeof params['*'] === 'string' ? params['*'] : '';
  return route.slice(0, -1) + rest.split('/').map(encodeURIComponent).join('/');
}
