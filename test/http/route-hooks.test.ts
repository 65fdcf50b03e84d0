import t from 'tap';
import { buildUnready } from '../helper.js';

/** Every hook a route's options can carry (Fastify's lifecycle), which no plugin of ours may add to a route. */
const routeHooks = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend', 'onResponse', 'onError', 'onTimeout', 'onRequestAbort'];

t.test('a route declared after every plugin reaches the router as declared: no plugin adds a hook to it or edits its schema', async (t) => {
  const app = await buildUnready(t);
  // Registered after the plugins' onRoute hooks, this one sees the options as they leave them.
  const seen: Record<string, unknown>[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url === '/probe' && route.method === 'GET') seen.push({ ...route });
  });
  const schema = { description: 'a probe', hide: true };
  const config = { traits: { cacheable: true, rateLimit: 'read' as const } };
  app.get('/probe', { schema, config }, async () => ({ data: 'x'.repeat(2000) }));
  await app.ready();
  t.equal(seen.length, 1);
  const [route = {}] = seen;
  t.same(
    routeHooks.filter((hook) => route[hook] !== undefined),
    [],
    'no hook set on the route',
  );
  // Fastify marks a schema it has compiled with a symbol; the keys are the route's.
  t.same(
    Object.entries(route.schema as object),
    [
      ['description', 'a probe'],
      ['hide', true],
    ],
    'its schema as declared',
  );
  t.same(route.config, { traits: { cacheable: true, rateLimit: 'read' } }, 'its config as declared');
  // The plugins still act on it, from their own hooks: the traits it declares are honoured.
  const response = await app.inject({ url: '/probe', headers: { 'accept-encoding': 'gzip' } });
  t.equal(response.statusCode, 200);
  t.equal(response.headers['content-encoding'], 'gzip');
  t.match(response.headers.etag, /^"[^"]+\.gzip"$/, 'cacheable: an ETag, naming its coding');
  t.match(response.headers['cache-control'], /^public/);
});
