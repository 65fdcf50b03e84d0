import t from 'tap';
import { body, build, noOverloadLimits } from '../helper.js';

const busyFor = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

/** Polls until the server answers 503 (the limits are sampled every 500 ms), or gives up after `tries`. */
async function firstOverloaded(app: Awaited<ReturnType<typeof build>>, url: string, tries = 100) {
  for (let i = 0; i < tries; i++) {
    const response = await app.inject({ url });
    if (response.statusCode === 503) return response;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}

t.test('over the heap limit every route answers 503 problem+json with Retry-After, health included', async (t) => {
  const app = await build(t, { overload: { ...noOverloadLimits, maxHeapUsedBytes: 1, retryAfterSeconds: 7 } });
  for (const url of ['/v1/articles', '/health']) {
    const response = await firstOverloaded(app, url);
    t.ok(response, `${url} answers 503 once the heap is sampled`);
    t.equal(response!.headers['retry-after'], '7');
    t.match(response!.headers['content-type'], /^application\/problem\+json/);
    t.match(body(response!), { status: 503, code: 'overloaded', detail: /heapUsedBytes/ });
  }
});

t.test('a blocked event loop past OVERLOAD_EVENT_LOOP_DELAY_MS is overload; below it all is well', async (t) => {
  const app = await build(t, { overload: { ...noOverloadLimits, maxEventLoopDelayMs: 5 } });
  let response = null;
  for (let attempt = 0; attempt < 10 && !response; attempt++) {
    busyFor(300);
    response = await firstOverloaded(app, '/v1/people', 15);
  }
  t.ok(response, 'a busy loop provokes 503');
  t.match(body(response!), { code: 'overloaded', detail: /eventLoopDelay/ });

  const calm = await build(t, { overload: { ...noOverloadLimits, maxEventLoopDelayMs: 60_000 } });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const health = await calm.inject({ url: '/health' });
  t.equal(health.statusCode, 200);
  t.same(body(health), { status: 'ok' });
});

t.test('every documented operation says it can answer 503', async (t) => {
  const app = await build(t);
  const document = body(await app.inject({ url: '/openapi.json' }));
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    for (const [method, operation] of Object.entries(item)) t.ok(operation.responses['503'], `${method} ${path}`);
  }
});
