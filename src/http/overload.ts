import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { OverloadLimits } from '../config.js';
import { KhabarError } from '../errors.js';
import { problemResponses } from './problem.js';

const sampleIntervalMs = 250;

/**
 * Over a limit, every route (health included, so a balancer takes the instance out) answers 503 problem+json
 * with Retry-After naming the limit, so clients back off instead of queueing behind a saturated event loop.
 */
async function overload(app: FastifyInstance, limits: OverloadLimits) {
  app.addHook('onRoute', (route) => {
    if (!route.schema || route.schema.hide) return;
    route.schema.response = { ...problemResponses(503), ...(route.schema.response as object | undefined) };
  });
  await app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: limits.maxHeapUsedBytes,
    maxRssBytes: limits.maxRssBytes,
    sampleInterval: sampleIntervalMs,
    pressureHandler: (_request: FastifyRequest, reply: FastifyReply, type: string) => {
      reply.header('Retry-After', limits.retryAfterSeconds);
      return Promise.reject(new KhabarError('overloaded', `the server is over its ${type} limit; retry in ${limits.retryAfterSeconds} s`));
    },
  });
}

export default fp(overload, { name: 'overload' });
