import { request } from 'node:http';
import { sql } from 'drizzle-orm';
import t from 'tap';
import { KhabarError } from '../../src/core/errors.js';
import { auth, body, build, countRows, readRows, writeRows } from '../helper.js';

const json = { ...auth, 'content-type': 'application/json' };
const organisation = (slug: string) => ({ slug, name: `منظمة ${slug}`, kind: 'other' });
const total = async (app: Awaited<ReturnType<typeof build>>) => body(await app.inject({ url: '/v1/organisations' })).meta.total as number;

t.test('Idempotency-Key: a retry replays the first response and creates nothing', async (t) => {
  const app = await build(t, {
    apiTokens: [
      { name: 'test-editor', secret: auth.authorization.slice(7), role: 'editor' },
      { name: 'other', secret: 'other-token-0123456789', role: 'editor' },
    ],
  });
  const before = await total(app);
  const post = (key: string, payload: object, headers: Record<string, string> = json) =>
    app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...headers, 'idempotency-key': key }, payload });

  const first = await post('key-1', organisation('أ'));
  t.equal(first.statusCode, 201);
  t.notOk(first.headers['idempotent-replayed'], 'the first response is not a replay');
  const retry = await post('key-1', organisation('أ'));
  t.equal(retry.statusCode, 201, 'same status');
  t.equal(retry.body, first.body, 'same body');
  t.equal(retry.headers.location, first.headers.location, 'same Location');
  t.equal(retry.headers.etag, first.headers.etag, 'same ETag');
  t.match(retry.headers['content-type'], /^application\/json/);
  t.equal(retry.headers['idempotent-replayed'], 'true', 'marked as a replay');
  const reordered = await post('key-1', { kind: 'other', name: 'منظمة أ', slug: 'أ' });
  t.equal(reordered.headers['idempotent-replayed'], 'true', 'the same body with its keys in another order is the same request');
  t.equal(await total(app), before + 1, 'one record for three requests');

  const changed = await post('key-1', organisation('ب'));
  t.equal(changed.statusCode, 422, 'the same key with another body');
  t.equal(body(changed).code, 'idempotency_key_reused');
  t.equal((await app.inject({ method: 'POST', url: '/v1/people', headers: { ...json, 'idempotency-key': 'key-1' }, payload: { slug: 'أ', name: 'أ' } })).statusCode, 422, 'or another path');
  t.equal(await total(app), before + 1, 'and nothing stored');

  const otherToken = await post('key-1', organisation('ج'), { authorization: 'Bearer other-token-0123456789', 'content-type': 'application/json' });
  t.equal(otherToken.statusCode, 201, 'keys are scoped per token: another token may use the same key');
  t.notOk(otherToken.headers['idempotent-replayed']);

  const withoutKey = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: organisation('د') });
  t.equal(withoutKey.statusCode, 201, 'no key: an ordinary create');
  t.equal((await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: organisation('د') })).statusCode, 409, 'and an ordinary conflict on retry');

  const conflict = await post('key-2', organisation('أ'));
  t.equal(conflict.statusCode, 409, 'a failed create (slug taken) ...');
  const fixed = await post('key-2', organisation('أ'));
  t.equal(fixed.statusCode, 409, '... is not stored: the key is released and the retry runs again');
  t.notOk(fixed.headers['idempotent-replayed']);

  for (const key of ['', ' spaced key ', 'x'.repeat(256), 'كلمة']) {
    const bad = await app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...json, 'idempotency-key': key }, payload: organisation('ه') });
    t.equal(bad.statusCode, 400, `key ${JSON.stringify(key.slice(0, 12))}: 400`);
    t.same(body(bad).errors, [{ path: 'headers.idempotency-key', message: 'invalid' }]);
  }
});

t.test('keys expire after 24 hours; a key still in flight is refused with 409', async (t) => {
  const app = await build(t);
  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...json, 'idempotency-key': 'daily' }, payload });
  t.equal((await post(organisation('أ'))).statusCode, 201);
  const age = (ms: number) => writeRows(app, sql`update idempotency_keys set created_at = ${Date.now() - ms} where key = 'daily'`);

  await age(23 * 3600_000);
  t.equal((await post(organisation('أ'))).headers['idempotent-replayed'], 'true', 'still replayed after 23 hours');
  await age(24 * 3600_000 + 1000);
  const late = await post(organisation('ب'));
  t.equal(late.statusCode, 201, 'after 24 hours the key is forgotten: a new create');
  t.notOk(late.headers['idempotent-replayed']);
  t.equal(await countRows(app, sql`idempotency_keys`), 1, 'the expired entry was purged');

  await writeRows(app, sql`insert into idempotency_keys (writer, key, fingerprint, created_at) values ('test-editor', 'busy', 'x', ${Date.now()})`);
  const busy = await app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...json, 'idempotency-key': 'busy' }, payload: organisation('ج') });
  t.equal(busy.statusCode, 422, 'a different request on a key in flight: 422');
  await writeRows(app, sql`update idempotency_keys set fingerprint = (select fingerprint from idempotency_keys where key = 'daily') where key = 'busy'`);
  const inFlight = await app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...json, 'idempotency-key': 'busy' }, payload: organisation('ب') });
  t.equal(inFlight.statusCode, 409, 'the same request while the first is still running: 409');
  t.equal(body(inFlight).code, 'idempotency_key_in_flight');
  t.equal(inFlight.headers['retry-after'], '1');
  await writeRows(app, sql`update idempotency_keys set created_at = ${Date.now() - 61_000} where key = 'busy'`);
  const taken = await app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...json, 'idempotency-key': 'busy' }, payload: organisation('و') });
  t.equal(taken.statusCode, 201, 'a key held by a request that never finished is freed after a minute');
});

interface Answer {
  status: number;
  replayed: string | undefined;
  body: { code?: string; data?: { id: string } };
}

/** Sends the same POST on several connections at once: every request's headers first, then every body in one go. */
async function postTogether(port: number, path: string, headers: Record<string, string>, payload: string, copies: number): Promise<Answer[]> {
  const requests = Array.from({ length: copies }, () => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { ...headers, 'content-length': Buffer.byteLength(payload) } });
    const answer = new Promise<Answer>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, replayed: res.headers['idempotent-replayed'] as string | undefined, body: JSON.parse(text) }));
      });
      req.on('error', reject);
    });
    req.flushHeaders();
    return { req, answer, connected: new Promise((resolve) => req.on('socket', (socket) => socket.once('connect', resolve))) };
  });
  await Promise.all(requests.map((r) => r.connected));
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const { req } of requests) req.end(payload);
  return Promise.all(requests.map((r) => r.answer));
}

t.test('concurrent POSTs with one Idempotency-Key over real sockets: one creates, the others wait or replay', async (t) => {
  const app = await build(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  // An import makes a new slug when the title's is taken (-2, -3…), so without the key each request would store an article.
  const copies = 6;
  const answers = await postTogether(
    port,
    '/v1/articles/import',
    { ...auth, 'content-type': 'text/plain; charset=utf-8', 'idempotency-key': 'concurrent-import' },
    'خبر متزامن\nوصل الوفد إلى الكويت صباح اليوم.\n',
    copies,
  );
  const created = answers.filter((a) => a.status === 201 && a.replayed === undefined);
  t.equal(created.length, 1, 'exactly one request created the article');
  const others = answers.filter((a) => a !== created[0]);
  const waited = others.filter((a) => a.status === 409);
  t.same(
    waited.map((a) => a.body.code),
    waited.map(() => 'idempotency_key_in_flight'),
    `${waited.length} answered 409 while the first ran`,
  );
  const replays = others.filter((a) => a.status !== 409);
  t.same(
    replays,
    replays.map(() => ({ ...created[0], replayed: 'true' })),
    `${replays.length} replayed the first response`,
  );
  const stored = await readRows(app, sql<{ id: string }>`select id from articles where title = 'خبر متزامن'`);
  t.same(
    stored.map((row) => row.id),
    [created[0]?.body.data?.id],
    `one article stored for ${copies} requests, the one the 201 names`,
  );
});

t.test('a response whose key cannot be recorded (the database busy past its wait) is still sent as it is', async (t) => {
  const app = await build(t);
  const store = app.services.idempotency;
  const busy = async () => {
    throw new KhabarError('overloaded', 'another process has held the database for writing too long; retry later');
  };
  Object.assign(store, { complete: busy, release: busy });
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...json, 'idempotency-key': 'busy-1' }, payload: organisation('ج') });
  t.equal(created.statusCode, 201, 'the committed create answers 201, not the 503 of recording its key');
  t.equal((await app.inject({ url: created.headers.location!, headers: auth })).statusCode, 200, 'and the record is stored');
  const refused = await app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...json, 'idempotency-key': 'busy-2' }, payload: organisation('ج') });
  t.match(
    { status: refused.statusCode, code: refused.json().code },
    { status: 409, code: 'slug_taken' },
    "a refused write keeps its own 409 problem when its key's release fails, not the release's error",
  );
});
