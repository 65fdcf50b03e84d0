import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { OverloadLimits } from '../../core/config.js';
import { KhabarError } from '../../core/errors.js';

const sampleIntervalMs = 500;

/**
 * Over a limit, every route (health included, so a balancer takes the instance out) answers 503 problem+json
 * with Retry-After naming the limit, so clients back off instead of queueing behind a saturated event loop.
 */
async function overload(app: FastifyInstance, limits: OverloadLimits) {
  // Start-up (migrations, seeding, compiling routes) blocks the loop once; that is not load.
  let warmUntil = Infinity;
  app.addHook('onReady', async () => {
    warmUntil = Date.now() + 2 * sampleIntervalMs;
  });
  const isOneOffStall = (type: string, value: number | undefined) => type === 'eventLoopDelay' && (value === Infinity || Date.now() < warmUntil);
  await app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: limits.maxHeapUsedBytes,
    maxRssBytes: limits.maxRssBytes,
    sampleInterval: sampleIntervalMs,
    pressureHandler: (_request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
      // A window without one loop sample is one long synchronous stretch, not sustained load.
      if (isOneOffStall(type, value)) return undefined;
      reply.header('Retry-After', limits.retryAfterSeconds);
      return Promise.reject(new KhabarError('overloaded', `the server is over its ${type} limit; retry in ${limits.retryAfterSeconds} s`));
    },
  });
}

export default fp(overload, { name: 'overload' });
