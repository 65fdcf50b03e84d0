import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import type { Config } from '../../src/core/config.js';
import { engineUnder } from '../../src/core/db/handles.js';
import { createWebhook, pruneSettledDeliveries } from '../../src/core/webhooks/store.js';
import { buildApp } from '../../src/web/app.js';
import { body, build, countRows, jobsOf, sharedDatabase, testConfig } from '../helper.js';
import { expectedSignature, sleep, startReceiver } from './receiver.js';

const admin = { authorization: 'Bearer admin-secret-0123456789' };
const editor = { authorization: 'Bearer editor-secret-0123456789' };
const apiTokens: Config['apiTokens'] = [
  { name: 'ops', secret: 'admin-secret-0123456789', role: 'admin' },
  { name: 'desk', secret: 'editor-secret-0123456789', role: 'editor' },
];
/** Fast retries, so a test sees a delivery through all its attempts in well under a second. */
const limits: Config['webhooks'] = { allowPrivate: true, timeoutMs: 2000, concurrency: 4, maxAttempts: 3, retryBaseMs: 100, retryMaxMs: 400, pollMs: 20, retentionDays: 30 };

const app = (t: Test, webhooks: Partial<Config['webhooks']> = {}) => build(t, { apiTokens, webhooks: { ...limits, ...webhooks } });
type App = Awaited<ReturnType<typeof app>>;

const subscribe = (server: App, payload: Record<string, unknown>) => server.inject({ method: 'POST', url: '/v1/webhooks', headers: admin, payload });
let organisations = 0;
async function createOrganisation(server: App) {
  const n = ++organisations;
  const response = await server.inject({ method: 'POST', url: '/v1/organisations', headers: editor, payload: { slug: `لجنة-${n}`, name: `لجنة ${n}`, kind: 'committee' } });
  if (response.statusCode !== 201) throw new Error(`the write failed: ${response.body}`);
  return body(response).data as { id: string; version: number };
}
const deliveriesOf = async (server: App, id: string) => body(await server.inject({ url: `/v1/webhooks/${id}/deliveries`, headers: admin }));

/** Polls the deliveries until `done` holds of them (the dispatcher settles a delivery just after the receiver answered). */
async function deliveriesUntil(server: App, id: string, done: (rows: any[]) => boolean) {
  for (let i = 0; i < 300; i++) {
    const rows = (await deliveriesOf(server, id)).data;
    if (done(rows)) return rows;
    await sleep(10);
  }
  throw new Error('the deliveries never reached the state looked for');
}

t.test('a matching write is POSTed to the receiver, signed; other writes are not', async (t) => {
  const server = await app(t);
  const receiver = await startReceiver(t);
  const created = await subscribe(server, { url: receiver.url, resources: ['organisations'], actions: ['created', 'trashed'] });
  t.equal(created.statusCode, 201);
  const hook = body(created).data;
  t.match(hook.secret, /^whsec_[A-Za-z0-9+/]{43}=$/, 'a secret of 32 bytes, shown on create');
  t.equal(created.headers.location, `/v1/webhooks/${hook.id}`);
  const stored = body(await server.inject({ url: `/v1/webhooks/${hook.id}`, headers: admin })).data;
  t.same(
    stored,
    { id: hook.id, url: receiver.url, resources: ['organisations'], actions: ['created', 'trashed'], created_at: hook.created_at, updated_at: hook.updated_at },
    'read back without its secret',
  );
  t.notMatch(JSON.stringify(body(await server.inject({ url: '/v1/webhooks', headers: admin }))), hook.secret, 'nor in the list');

  // Not subscribed: a person, and an organisation's update.
  const person = await server.inject({ method: 'POST', url: '/v1/people', headers: editor, payload: { slug: 'شخص-ما', name: 'شخص ما' } });
  t.equal(person.statusCode, 201);
  const organisation = await createOrganisation(server);
  const patched = await server.inject({
    method: 'PATCH',
    url: `/v1/organisations/${organisation.id}`,
    headers: { ...editor, 'content-type': 'application/merge-patch+json' },
    payload: { name: 'لجنة أخرى' },
  });
  t.equal(patched.statusCode, 200);
  const [request] = await receiver.until(1);
  const events = body(await server.inject({ url: '/v1/changes?after=0&limit=1000' })).data as Array<{ seq: number; id: string; action: string; at: string }>;
  const event = events.find((e) => e.id === organisation.id && e.action === 'created')!;

  const headers = request!.headers;
  t.equal(headers['content-type'], 'application/json');
  const id = headers['webhook-id'] as string;
  const timestamp = headers['webhook-timestamp'] as string;
  t.match(id, /^\d+$/, 'Webhook-Id: the delivery id');
  t.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 10, 'Webhook-Timestamp: Unix seconds, now');
  t.equal(headers['webhook-signature'], expectedSignature(hook.secret, id, timestamp, request!.body), 'Webhook-Signature verifies with the secret');
  t.not(headers['webhook-signature'], expectedSignature(hook.secret, id, timestamp, request!.body.replace('organisations', 'people')), 'and not for another body');
  t.same(JSON.parse(request!.body), { type: 'organisations.created', timestamp: event.at, data: event }, 'the body: the change feed event, typed');

  await sleep(300);
  t.equal(receiver.received.length, 1, 'the person and the update were not sent');
  const rows = await deliveriesUntil(server, hook.id, (rows) => rows[0]?.status === 'succeeded');
  t.equal(rows.length, 1, 'one delivery');
  t.match(rows[0], { id: Number(id), seq: event.seq, status: 'succeeded', attempts: 1, response_status: 200, error: null, next_attempt_at: null });
});

t.test('a failing receiver is retried with growing waits, under one Webhook-Id, until it answers 2xx', async (t) => {
  const server = await app(t);
  const receiver = await startReceiver(t, (n) => (n < 2 ? 500 : 204));
  const hook = body(await subscribe(server, { url: receiver.url, resources: ['organisations'], actions: ['created'] })).data;
  await createOrganisation(server);
  const received = await receiver.until(3);
  t.same(new Set(received.map((r) => r.headers['webhook-id'])).size, 1, 'every attempt has the delivery’s id');
  const [first, second, third] = received.map((r) => r.at) as [number, number, number];
  // Waits of base × 2^(n-1), scaled by a factor in [0.5, 1): at least 50 ms, then at least 100 ms.
  t.ok(second - first >= 45, `the first wait, ${Math.round(second - first)} ms, is at least half the base`);
  t.ok(third - second >= 95, `the second wait, ${Math.round(third - second)} ms, is at least half of twice the base`);
  const [row] = await deliveriesUntil(server, hook.id, (rows) => rows[0]?.status === 'succeeded');
  t.match(row, { status: 'succeeded', attempts: 3, response_status: 204, error: null });
});

t.test('after WEBHOOK_MAX_ATTEMPTS failures a delivery is kept as failed; a redelivery sends it again', async (t) => {
  const server = await app(t);
  const receiver = await startReceiver(t, () => 503);
  const hook = body(await subscribe(server, { url: receiver.url, resources: ['organisations'], actions: ['created'] })).data;
  await createOrganisation(server);
  await receiver.until(3);
  const [failed] = await deliveriesUntil(server, hook.id, (rows) => rows[0]?.status === 'failed');
  t.match(failed, { status: 'failed', attempts: 3, response_status: 503, next_attempt_at: null });
  t.match(failed.error, /503/);
  await sleep(limits.retryMaxMs * 2);
  t.equal(receiver.received.length, 3, 'no fourth attempt');

  receiver.answer = () => 200;
  const redelivered = await server.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${failed.id}/redeliver`, headers: admin });
  t.equal(redelivered.statusCode, 202);
  t.match(body(redelivered).data, { id: failed.id, status: 'pending', attempts: 0 });
  const received = await receiver.until(4);
  t.equal(received[3]!.headers['webhook-id'], String(failed.id), 'the same Webhook-Id');
  const [row] = await deliveriesUntil(server, hook.id, (rows) => rows[0]?.status === 'succeeded');
  t.match(row, { id: failed.id, status: 'succeeded', attempts: 1, response_status: 200 });

  const missing = await server.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${failed.id + 1000}/redeliver`, headers: admin });
  t.equal(missing.statusCode, 404);
  t.equal(body(missing).code, 'not_found');
});

t.test('the deliveries are listed newest first, in pages', async (t) => {
  const server = await app(t);
  const receiver = await startReceiver(t);
  const hook = body(await subscribe(server, { url: receiver.url, resources: ['organisations'], actions: ['created'] })).data;
  for (let i = 0; i < 5; i++) await createOrganisation(server);
  await receiver.until(5);
  const ids: number[] = [];
  let url: string | null = `/v1/webhooks/${hook.id}/deliveries?limit=2`;
  let pages = 0;
  while (url) {
    const page: { data: Array<{ id: number }>; links: { next: string | null } } = body(await server.inject({ url, headers: admin }));
    ids.push(...page.data.map((row) => row.id));
    url = page.links.next;
    pages++;
  }
  t.equal(pages, 3, 'pages of 2, 2 and 1');
  t.same(
    ids,
    [...ids].sort((a, b) => b - a),
    'newest first',
  );
  t.equal(new Set(ids).size, 5, 'each delivery once');
  t.same(ids.map(String).sort(), receiver.received.map((r) => r.headers['webhook-id']).sort(), 'the ids the receiver got');
});

t.test('webhooks are an admin’s: an editor is refused, and so is no token', async (t) => {
  const server = await app(t);
  const hook = body(await subscribe(server, { url: 'http://127.0.0.1:9/hook', resources: ['articles'], actions: ['published'] })).data;
  for (const [method, url] of [
    ['POST', '/v1/webhooks'],
    ['GET', '/v1/webhooks'],
    ['GET', `/v1/webhooks/${hook.id}`],
    ['PATCH', `/v1/webhooks/${hook.id}`],
    ['DELETE', `/v1/webhooks/${hook.id}`],
    ['GET', `/v1/webhooks/${hook.id}/deliveries`],
    ['POST', `/v1/webhooks/${hook.id}/deliveries/1/redeliver`],
  ] as const) {
    const byEditor = await server.inject({ method, url, headers: { ...editor, 'content-type': 'application/json' }, payload: method === 'GET' ? undefined : '{}' });
    t.equal(byEditor.statusCode, 403, `${method} ${url} by an editor`);
    t.equal(body(byEditor).code, 'forbidden');
    t.equal((await server.inject({ method, url })).statusCode, 401, `${method} ${url} without a token`);
  }
  t.equal(body(await server.inject({ url: '/v1/webhooks', headers: admin })).data.length, 1, 'the webhook is still there');
});

t.test('a webhook is written with a valid URL, known resources and actions, each once', async (t) => {
  const server = await app(t);
  const valid = { url: 'https://hooks.example/khabar', resources: ['articles'], actions: ['published'] };
  for (const [payload, path] of [
    [{ ...valid, url: 'ftp://hooks.example/' }, 'url'],
    [{ ...valid, url: 'https://user:pass@hooks.example/' }, 'url'],
    [{ ...valid, url: `https://hooks.example/${'a'.repeat(2000)}` }, 'url'],
    // Strings the URL parser refuses (a zone in an IPv6 host, Arabic-Indic digits in an IPv4 one): a 400, never a 500.
    [{ ...valid, url: 'http://[fe80::1%25eth0]/' }, 'url'],
    [{ ...valid, url: 'http://١٢٧.0.0.1/' }, 'url'],
    [{ ...valid, resources: ['trash'] }, 'resources.0'],
    [{ ...valid, resources: [] }, 'resources'],
    [{ ...valid, actions: ['published', 'published'] }, 'actions'],
    [{ ...valid, actions: ['deleted'] }, 'actions.0'],
    [{ ...valid, secret: 'mine' }, ''],
  ] as const) {
    const response = await subscribe(server, payload);
    t.equal(response.statusCode, 400, JSON.stringify(payload).slice(0, 80));
    t.equal(body(response).code, 'validation_failed');
    t.ok(
      body(response).errors.some((error: { path: string }) => error.path === (path ? `body.${path}` : 'body')),
      `names ${path || 'the unknown key'}`,
    );
  }
  t.equal(body(await server.inject({ url: '/v1/webhooks', headers: admin })).data.length, 0, 'none stored');
  const unknown = '019ac9d0-5c1e-7c4a-9f3b-2d1e8a7b6c5d';
  for (const [method, url] of [
    ['GET', `/v1/webhooks/${unknown}`],
    ['PATCH', `/v1/webhooks/${unknown}`],
    ['DELETE', `/v1/webhooks/${unknown}`],
    ['GET', `/v1/webhooks/${unknown}/deliveries`],
  ] as const) {
    const response = await server.inject({ method, url, headers: method === 'PATCH' ? { ...admin, 'content-type': 'application/json' } : admin, payload: method === 'PATCH' ? '{}' : undefined });
    t.equal(response.statusCode, 404, `${method} of an unknown webhook`);
  }
});

t.test('a PATCH changes what it names, and a DELETE takes the deliveries with it', async (t) => {
  const server = await app(t);
  const receiver = await startReceiver(t);
  const hook = body(await subscribe(server, { url: receiver.url, resources: ['people'], actions: ['created'] })).data;
  const patched = await server.inject({
    method: 'PATCH',
    url: `/v1/webhooks/${hook.id}`,
    headers: { ...admin, 'content-type': 'application/merge-patch+json' },
    payload: { resources: ['organisations'] },
  });
  t.equal(patched.statusCode, 200);
  t.match(body(patched).data, { url: receiver.url, resources: ['organisations'], actions: ['created'] });
  await createOrganisation(server);
  await receiver.until(1);
  t.equal((await deliveriesUntil(server, hook.id, (rows) => rows.length === 1)).length, 1);
  t.equal((await server.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.id}`, headers: admin })).statusCode, 204);
  t.equal((await server.inject({ url: `/v1/webhooks/${hook.id}/deliveries`, headers: admin })).statusCode, 404);
  t.equal(await countRows(server, sql`webhook_deliveries`), 0, 'no delivery row is left');
});

t.test('the outbox: a write’s deliveries commit with it, and a refused write queues none', async (t) => {
  // A receiver that is never reached: the dispatcher polls once a minute here, so the rows stay as the write left them.
  const server = await app(t, { pollMs: 60_000 });
  const hook = body(await subscribe(server, { url: 'http://127.0.0.1:9/hook', resources: ['organisations'], actions: ['created'] })).data;
  await sleep(50);
  const organisation = await createOrganisation(server);
  const rows = (await deliveriesOf(server, hook.id)).data;
  t.equal(rows.length, 1, 'queued by the time the write answered');
  t.match(rows[0], { status: 'pending', attempts: 0 });
  const taken = await server.inject({ method: 'POST', url: '/v1/organisations', headers: editor, payload: { slug: `لجنة-${organisations}`, name: 'نسخة', kind: 'committee' } });
  t.equal(taken.statusCode, 409, 'a taken slug');
  t.equal((await deliveriesOf(server, hook.id)).data.length, 1, 'queued nothing');
  t.ok(organisation.id);
});

t.test('a private address is refused without WEBHOOK_ALLOW_PRIVATE, when written and when sent', async (t) => {
  const server = await app(t, { allowPrivate: false });
  for (const url of [
    'http://127.0.0.1:9/',
    'http://localhost/',
    'http://[::1]/',
    'http://169.254.169.254/latest',
    'http://10.1.2.3/',
    'http://192.168.0.1/',
    'http://[fe80::1]/',
    'http://[::ffff:127.0.0.1]/',
  ]) {
    const response = await subscribe(server, { url, resources: ['organisations'], actions: ['created'] });
    t.equal(response.statusCode, 400, url);
    t.match(body(response), { code: 'validation_failed', errors: [{ path: 'url', message: /loopback, private or link-local/ }] });
  }
  const hook = body(await subscribe(server, { url: 'http://93.184.215.14/hook', resources: ['organisations'], actions: ['created'] }));
  t.equal(hook.data?.url, 'http://93.184.215.14/hook', 'a public address is taken');
  const patched = await server.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.data.id}`, headers: { ...admin, 'content-type': 'application/json' }, payload: { url: 'http://127.0.0.1/' } });
  t.equal(patched.statusCode, 400, 'a PATCH to a private address too');
  await server.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.data.id}`, headers: admin });

  // Stored behind the routes' back (as if a name had resolved elsewhere when written): the sender checks again.
  const receiver = await startReceiver(t);
  const stored = await engineUnder(server.services).writes.run((tx) => createWebhook(tx, { url: `http://localhost:${receiver.port}/hook`, resources: ['organisations'], actions: ['created'] }));
  await createOrganisation(server);
  const [row] = await deliveriesUntil(server, stored.id, (rows) => rows[0]?.attempts >= 1);
  t.match(row, { response_status: null, error: /localhost is .*loopback, private or link-local/ });
  t.equal(receiver.received.length, 0, 'nothing reached the receiver');
});

t.test('a redelivery asked for while an attempt is in flight does not send the delivery a second time beside it', async (t) => {
  const server = await app(t);
  const receiver = await startReceiver(t, (n) => (n === 0 ? 'hang' : 200));
  const hook = body(await subscribe(server, { url: receiver.url, resources: ['organisations'], actions: ['created'] })).data;
  await createOrganisation(server);
  await receiver.until(1);
  const [sending] = (await deliveriesOf(server, hook.id)).data;
  const redelivered = await server.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${sending.id}/redeliver`, headers: admin });
  t.equal(redelivered.statusCode, 202, 'accepted: the delivery is being sent');
  t.match(body(redelivered).data, { id: sending.id, status: 'pending' });
  // Many dispatcher turns (WEBHOOK_POLL_MS is 20 here): a redelivery that dropped the attempt's claim would be claimed and sent again.
  await sleep(300);
  t.equal(receiver.received.length, 1, 'one request while the first attempt hangs');
});

t.test('settled deliveries older than the retention are deleted in batches; pending ones stay', async (t) => {
  const server = await app(t);
  const answering = await startReceiver(t);
  const hanging = await startReceiver(t, () => 'hang');
  const settled = body(await subscribe(server, { url: answering.url, resources: ['organisations'], actions: ['created'] })).data;
  const inFlight = body(await subscribe(server, { url: hanging.url, resources: ['organisations'], actions: ['created'] })).data;
  await createOrganisation(server);
  await createOrganisation(server);
  await deliveriesUntil(server, settled.id, (rows) => rows.length === 2 && rows.every((row) => row.status === 'succeeded'));
  await hanging.until(2);
  const prune = (before: string, batch: number) => pruneSettledDeliveries(jobsOf(server), before, batch);
  t.equal(await prune('2000-01-01T00:00:00.000Z', 50), 0, 'none settled that long ago');
  t.equal((await deliveriesOf(server, settled.id)).data.length, 2, 'both still listed');
  const later = new Date(Date.now() + 60_000).toISOString();
  t.equal(await prune(later, 1), 1, 'one at a time with a batch of one');
  t.equal(await prune(later, 50), 1, 'then the other');
  t.equal(await prune(later, 50), 0, 'then nothing');
  t.same((await deliveriesOf(server, settled.id)).data, [], 'the settled deliveries are gone');
  t.match((await deliveriesOf(server, inFlight.id)).data, [{ status: 'pending' }, { status: 'pending' }], 'the ones being sent stay');
});

t.test('the server deletes settled deliveries in the background, by its clock and WEBHOOK_DELIVERY_RETENTION_DAYS', async (t) => {
  const receiver = await startReceiver(t);
  const config = testConfig({ apiTokens, databaseUrl: await sharedDatabase(t), webhooks: limits });
  const first = await buildApp(config);
  const subscription = body(await subscribe(first, { url: receiver.url, resources: ['organisations'], actions: ['created'] })).data;
  await createOrganisation(first);
  await deliveriesUntil(first, subscription.id, (rows) => rows.length === 1 && rows[0].status === 'succeeded');
  await first.close();

  // A day past the 30 days' retention: the prune's first step, at start, finds the delivery expired.
  const later = await buildApp(config, { clock: () => Date.now() + 31 * 24 * 60 * 60 * 1000 });
  t.teardown(() => later.close());
  let listed: unknown[] = [{}];
  for (let tries = 0; tries < 100 && listed.length > 0; tries++) {
    await sleep(20);
    listed = (await deliveriesOf(later, subscription.id)).data;
  }
  t.same(listed, [], 'deleted 31 days on');
});

t.test('a receiver that never answers does not slow a write', async (t) => {
  const server = await app(t, { timeoutMs: 20_000, maxAttempts: 1 });
  const receiver = await startReceiver(t, () => 'hang');
  await subscribe(server, { url: receiver.url, resources: ['organisations'], actions: ['created'] });
  await createOrganisation(server);
  await receiver.until(1);
  // The receiver now holds a delivery open for up to 20 s; writes go on.
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await createOrganisation(server);
    times.push(performance.now() - started);
  }
  t.ok(Math.max(...times) < 2000, `five writes while a delivery hangs, the slowest ${Math.round(Math.max(...times))} ms, far under the 20 s timeout`);
  await receiver.until(4);
  await sleep(200);
  t.equal(receiver.received.length, 4, 'their deliveries wait behind the 4 in flight (WEBHOOK_CONCURRENCY), not the writes');
});
