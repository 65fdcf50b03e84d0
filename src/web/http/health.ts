import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { noQuery } from './no-query.js';
import { jsonResponse } from './responses.js';

/** GET /health: 200 once the database answers a query. */
export function healthRoutes(ping: () => Promise<void>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/health', {
      config: { traits: { formats: 'json' } },
      schema: {
        tags: ['meta'],
        querystring: noQuery,
        operationId: 'health',
        summary: 'Health check',
        description: 'Answers 200 once the database answers a query: for load balancers and orchestrators.',
        response: {
          200: jsonResponse('The service and its database are up', z.object({ status: z.literal('ok') }).meta({ id: 'Health', examples: [{ status: 'ok' }] })),
        },
      },
      handler: async (_request, reply) => {
        await ping();
        // A health check must reach the server, never a cache.
        reply.header('cache-control', 'no-store');
        return { status: 'ok' as const };
      },
    });
  };
}
