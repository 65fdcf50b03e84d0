import Fastify, { type FastifyInstance } from 'fastify';
import t from 'tap';
import bearerAuth from '../../src/web/http/auth.js';
import compression from '../../src/web/http/compression.js';
import conditionalGet from '../../src/web/http/conditional-get.js';
import cors from '../../src/web/http/cors.js';
import mediaTypes from '../../src/web/http/media-types.js';
import allowedMethods from '../../src/web/http/methods.js';
import rateLimit from '../../src/web/http/rate-limit.js';

const plugins = {
  'bearer-auth': (app: FastifyInstance) => app.register(bearerAuth, { tokens: [], maxFailures: 0, windowSeconds: 60 }),
  cors: (app: FastifyInstance) => app.register(cors, { origins: '*' }),
  'allowed-methods': (app: FastifyInstance) => app.register(allowedMethods),
  'media-types': (app: FastifyInstance) => app.register(mediaTypes),
  'rate-limit': (app: FastifyInstance) => app.register(rateLimit, { readMax: 1, writeMax: 1, windowSeconds: 60 }),
  'conditional-get': (app: FastifyInstance) => app.register(conditionalGet, { maxAge: 1, staleWhileRevalidate: 1 }),
  compression: (app: FastifyInstance) => app.register(compression),
};
type Name = keyof typeof plugins;

async function start(order: Name[]) {
  const app = Fastify();
  try {
    for (const name of order) await plugins[name](app);
    await app.ready();
  } finally {
    await app.close();
  }
}

t.test('plugins registered in the order their dependencies name start', async (t) => {
  await t.resolves(start(['bearer-auth', 'cors', 'allowed-methods', 'media-types', 'rate-limit']));
});

t.test('a plugin registered before one it depends on fails the start, naming both', async (t) => {
  await t.rejects(start(['rate-limit', 'bearer-auth', 'cors', 'allowed-methods', 'media-types']), /dependency 'bearer-auth' of plugin 'rate-limit'/);
  await t.rejects(start(['bearer-auth', 'cors', 'allowed-methods', 'rate-limit', 'media-types']), /dependency 'media-types' of plugin 'rate-limit'/);
  await t.rejects(start(['compression', 'conditional-get']), /dependency 'conditional-get' of plugin 'compression'/);
});
