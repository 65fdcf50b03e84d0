import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/database.js';

/** GET /health: 200 once the database answers a query. */
export function healthRoutes(database: Database): FastifyPluginAsyncZod {
  const ping = database.sqlite.prepare('select 1');
  return async (app) => {
    app.get('/health', {
      schema: {
        tags: ['meta'],
        operationId: 'health',
        summary: 'Health check',
        response: { 200: z.object({ status: z.literal('ok') }).meta({ id: 'Health' }) },
      },
      handler: async (_request, reply) => {
        ping.get();
        // A health check must reach the server, never a cache.
        reply.header('cache-control', 'no-store');
        return { status: 'ok' as const };
      },
    });
  };
}
