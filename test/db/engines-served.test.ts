import { setTimeout as sleep } from 'node:timers/promises';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/core/config.js';
import type { App } from '../../src/web/app.js';
import { auth, body, build } from '../helper.js';
import { clusterAdmin, startPostgres } from '../postgres.js';
import { startReceiver } from '../webhooks/receiver.js';

/*
 * The same API on both engines (docs/postgresql.md, step 3): a server on SQLite and one on PostgreSQL (DATABASE_URL
 * postgres://, a fresh database on a throwaway cluster) answer one table of requests alike: statuses, the headers a
 * client relies on, and bodies, with what each engine generates (ids, timestamps, cursors) replaced by the order in
 * which it first appeared.
 */

t.setTimeout(240_000);

const adminSecret = 'test-admin-0123456789';
const admin = { authorization: `Bearer ${adminSecret}` };
const apiTokens = [
  { name: 'test-editor', secret: 'test-token-0123456789', role: 'editor' as const },
  { name: 'test-admin', secret: adminSecret, role: 'admin' as const },
];

/** Each step's request, which may name what earlier answers gave (an id, an ETag) on the same server. */
/** A request, and for an answer that may lag a write by design, what it settles to (asked again until it does, for 10 s at most). */
type Step = [title: string, request: (earlier: Map<string, LightMyRequestResponse>) => InjectOptions, settled?: (response: LightMyRequestResponse) => boolean];

const webhooks = { ...loadConfig({}).webhooks, allowPrivate: true };
const json = { ...auth, 'content-type': 'application/json' };
const mergePatch = { ...auth, 'content-type': 'application/merge-patch+json' };
const dataOf = (response: LightMyRequestResponse | undefined) => body<{ data: { id: string } }>(response!).data;

/** Subscribes a webhook at `url` to the organisations created, as the admin; its id. */
async function subscribe(t: Test, app: App, url: string): Promise<string> {
  const subscribed = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: { ...admin, 'content-type': 'application/json' },
    payload: { url, resources: ['organisations'], actions: ['created'] },
  });
  t.equal(subscribed.statusCode, 201, 'the webhook is subscribed');
  return dataOf(subscribed).id;
}

const organisation = { slug: 'لجنة-التنسيق', name: 'لجنة التنسيق الأمني', kind: 'committee' };
const article = (personId: string, organisationId: string) => ({
  slug: 'تعزيز-التعاون',
  title: 'تعزيز التعاون الأمني بين البلدين',
  language: 'ar',
  person_ids: [personId],
  organisation_ids: [organisationId],
  body: [{ type: 'paragraph', text: 'بحثت لجنة التنسيق الأمني سبل التعاون في مكافحة المخدرات.' }],
});

/** The organisation renamed under the ETag its read by slug gave: current the first time, stale after. */
const renameAsRead =
  (name: string): Step[1] =>
  (earlier) => ({
    method: 'PATCH',
    url: `/v1/organisations/${encodeURIComponent(organisation.slug)}`,
    headers: { ...mergePatch, 'if-match': earlier.get('get by slug')!.headers.etag as string },
    payload: { name },
  });

/** The page `links.next` of an earlier answer names. */
const nextPageOf =
  (title: string): Step[1] =>
  (earlier) => ({ method: 'GET', url: body<{ links: { next: string } }>(earlier.get(title)!).links.next });

const steps: Step[] = [
  ['create an organisation', () => ({ method: 'POST', url: '/v1/organisations', headers: json, payload: organisation })],
  ['a second one', () => ({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-المتابعة', name: 'لجنة المتابعة', kind: 'committee' } })],
  [
    'create a person affiliated with it',
    (earlier) => ({
      method: 'POST',
      url: '/v1/people',
      headers: json,
      payload: { slug: 'مثال-شخص', name: 'مثال شخص', country: 'KW', affiliations: [{ organisation_id: dataOf(earlier.get('create an organisation')).id, role: 'مدير', acting: false }] },
    }),
  ],
  [
    'create an article naming both',
    (earlier) => ({
      method: 'POST',
      url: '/v1/articles',
      headers: json,
      payload: article(dataOf(earlier.get('create a person affiliated with it')).id, dataOf(earlier.get('create an organisation')).id),
    }),
  ],
  ['a taken slug', () => ({ method: 'POST', url: '/v1/organisations', headers: json, payload: organisation })],
  ['a bad input', () => ({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'x', kind: 'no-such-kind' } })],
  ['a bad list parameter', () => ({ method: 'GET', url: '/v1/articles?sort=author' })],
  ['get by slug', () => ({ method: 'GET', url: `/v1/organisations/${encodeURIComponent(organisation.slug)}` })],
  ['get by id', (earlier) => ({ method: 'GET', url: `/v1/people/${dataOf(earlier.get('create a person affiliated with it')).id}` })],
  ['a list with a filter, a sort and counts', () => ({ method: 'GET', url: '/v1/organisations?filter[kind]=committee&sort=name&limit=1' })],
  ['its next page', nextPageOf('a list with a filter, a sort and counts')],
  ['a list with include', () => ({ method: 'GET', url: '/v1/people?include=affiliations.organisation' })],
  ['an article with include', () => ({ method: 'GET', url: `/v1/articles/${encodeURIComponent('تعزيز-التعاون')}?include=people,organisations` })],
  [
    "the article's mentions",
    () => ({ method: 'GET', url: `/v1/articles/${encodeURIComponent('تعزيز-التعاون')}/mentions` }),
    // Mentions may lag a name change by seconds (README): a write that finds the name index behind (on PostgreSQL,
    // its first background build still reading when the organisation was written) is linked again by the next build.
    (response) => body<{ data: unknown[] }>(response).data.length > 0,
  ],
  ["the organisation's provenance", () => ({ method: 'GET', url: `/v1/organisations/${encodeURIComponent(organisation.slug)}/provenance`, headers: auth })],
  ['a patch with If-Match', renameAsRead('لجنة التنسيق')],
  ['a stale If-Match', renameAsRead('لجنة أخرى')],
  ['the revisions', () => ({ method: 'GET', url: `/v1/organisations/${encodeURIComponent(organisation.slug)}/revisions`, headers: auth })],
  ['a search', () => ({ method: 'GET', url: `/v1/search?q=${encodeURIComponent('التعاون')}` })],
  ['a search by prefix of a name', () => ({ method: 'GET', url: `/v1/search?q=${encodeURIComponent('لجن*')}&type=organisations&limit=1` })],
  ['its next page of one', nextPageOf('a search by prefix of a name')],
  ['delete', () => ({ method: 'DELETE', url: `/v1/organisations/${encodeURIComponent('لجنة-المتابعة')}`, headers: auth })],
  ['gone', () => ({ method: 'GET', url: `/v1/organisations/${encodeURIComponent('لجنة-المتابعة')}` })],
  ['the trash', () => ({ method: 'GET', url: '/v1/organisations/trash', headers: auth })],
  ['the change feed', () => ({ method: 'GET', url: '/v1/changes?after=0' })],
  [
    'a webhook created',
    () => ({
      method: 'POST',
      url: '/v1/webhooks',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: { url: 'http://127.0.0.1:9/khabar', resources: ['articles'], actions: ['published'] },
    }),
  ],
  ['the webhooks', () => ({ method: 'GET', url: '/v1/webhooks', headers: admin })],
  ['health', () => ({ method: 'GET', url: '/health' })],
];

/** The headers a client relies on: an ETag's form (its value digests generated ids), where a write went, the type. */
const heldHeaders = (response: LightMyRequestResponse) => ({
  etag: typeof response.headers.etag === 'string' ? response.headers.etag.replace(/"[^"]+"/, '"…"') : null,
  location: response.headers.location ?? null,
  'content-type': response.headers['content-type'] ?? null,
});

/**
 * The requests' answers on one server, in order, with each generated value (a UUID, a cursor, an ETag in a text, a secret, a
 * request id) replaced by its kind and the order it first appeared in, and timestamps and search scores by their
 * kind, so that two servers that behave alike give the same list.
 */
async function answers(app: App) {
  const earlier = new Map<string, LightMyRequestResponse>();
  const seen = new Map<string, string>();
  const numbered = (kind: string) => (value: string) => {
    if (!seen.has(value)) seen.set(value, `<${kind} ${[...seen.values()].filter((named) => named.startsWith(`<${kind} `)).length + 1}>`);
    return seen.get(value)!;
  };
  const normalised = (text: string) =>
    text
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/g, numbered('id'))
      // Two writes may share a millisecond on one server and not on the other: a timestamp is only a timestamp.
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<time>')
      .replace(/\\"[\w-]{27}\\"/g, numbered('etag'))
      // Each engine ranks by its own measure (BM25, ts_rank_cd): the order is compared, not the figure.
      .replace(/"score":[-\d.e+]+/g, '"score":"<number>"')
      .replace(/cursor=[^&"]+/g, (cursor) => `cursor=${numbered('cursor')(cursor)}`)
      .replace(/"(next_cursor|cursor|request_id|secret)":"[^"]+"/g, (field, name: string) => `"${name}":"${numbered(name)(field)}"`);
  const answered = [];
  for (const [title, request, settled] of steps) {
    let response = await app.inject(request(earlier));
    for (let waited = 0; settled && !settled(response) && waited < 10_000; waited += 100) {
      await sleep(100);
      response = await app.inject(request(earlier));
    }
    earlier.set(title, response);
    const location = heldHeaders(response).location;
    answered.push({
      title,
      status: response.statusCode,
      headers: { ...heldHeaders(response), location: typeof location === 'string' ? normalised(decodeURI(location)) : location },
      body: response.body === '' ? '' : JSON.parse(normalised(response.body)),
    });
  }
  return answered;
}

async function postgresDatabase(t: Test) {
  const { fresh } = await clusterAdmin(t, await startPostgres(t));
  return fresh;
}

t.test('a server on PostgreSQL answers the table of requests as one on SQLite does', async (t) => {
  const fresh = await postgresDatabase(t);
  const { url } = await fresh('served');
  const onSqlite = await answers(await build(t, { seed: 'never', apiTokens, webhooks }));
  const onPostgres = await answers(await build(t, { seed: 'never', apiTokens, webhooks, databaseUrl: url }));
  t.equal(onPostgres.length, steps.length);
  for (const [i, expected] of onSqlite.entries()) t.same(onPostgres[i], expected, expected.title);
  t.same(
    onSqlite.map(({ status }) => status),
    [201, 201, 201, 201, 409, 400, 400, 200, 200, 200, 200, 200, 200, 200, 200, 200, 412, 200, 200, 200, 200, 204, 404, 200, 200, 201, 200, 200],
    'the statuses a client relies on, as the API documents them',
  );
  const mentioned = onSqlite.find(({ title }) => title === "the article's mentions")?.body as { data: Array<{ text: string }> };
  t.same(
    mentioned.data.map(({ text }) => text),
    [organisation.name],
    "the article's body names the organisation, once, and nothing else it could link: the one mention both engines give",
  );
});

t.test('on PostgreSQL, a write is read by the next read of the same process, and soon by another process', async (t) => {
  const fresh = await postgresDatabase(t);
  const { url } = await fresh('nodes');
  const one = await build(t, { seed: 'never', apiTokens, databaseUrl: url });
  const other = await build(t, { seed: 'never', apiTokens, databaseUrl: url });
  // Public lists, which the response cache keeps under the change stamp.
  const slugs = async (app: App) => {
    const response = await app.inject({ method: 'GET', url: '/v1/organisations?sort=name' });
    t.equal(response.statusCode, 200);
    return body<{ data: Array<{ slug: string }>; meta: { total: number } }>(response);
  };
  const create = async (app: App, slug: string) => {
    const response = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug, name: slug, kind: 'committee' } });
    t.equal(response.statusCode, 201, `${slug} created`);
  };
  t.match(await slugs(one), { data: [], meta: { total: 0 } }, 'nothing at first');
  t.same((await slugs(one)).data, [], 'read again, from the response cache (kept under the stamp)');
  await create(one, 'a');
  t.match(await slugs(one), { data: [{ slug: 'a' }], meta: { total: 1 } }, 'the writer reads its write at once: its stamp moved as the write ended');
  t.same((await slugs(other)).data.length, 1, 'the other process reads it too');
  await create(other, 'b');
  const deadline = Date.now() + 10_000;
  let seen = await slugs(one);
  while (seen.data.length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    seen = await slugs(one);
  }
  t.match(seen, { data: [{ slug: 'a' }, { slug: 'b' }], meta: { total: 2 } }, "another process's write moves this one's stamp when its notification arrives");
});

t.test('on PostgreSQL, the dispatcher claims a delivery, sends it and settles it', async (t) => {
  const fresh = await postgresDatabase(t);
  const { url } = await fresh('deliveries');
  const app = await build(t, { seed: 'never', apiTokens, databaseUrl: url, webhooks: { ...webhooks, pollMs: 20, retryBaseMs: 100, retryMaxMs: 400 } });
  const receiver = await startReceiver(t);
  const hook = await subscribe(t, app, receiver.url);
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: organisation });
  t.equal(created.statusCode, 201);
  const [request] = await receiver.until(1);
  t.match(JSON.parse(request!.body), { type: 'organisations.created', data: { id: dataOf(created).id } }, 'the event was sent');
  let deliveries: Array<{ status: string; attempts: number }> = [];
  for (let i = 0; i < 500 && deliveries[0]?.status !== 'succeeded'; i++) {
    deliveries = body<{ data: typeof deliveries }>(await app.inject({ url: `/v1/webhooks/${hook}/deliveries`, headers: admin })).data;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.match(deliveries, [{ status: 'succeeded', attempts: 1 }], 'settled once, at its first attempt');
});

t.test("on PostgreSQL, a delivery's claims and settlements leave another process's cached reads cached, and a write still reaches them", async (t) => {
  const { url } = await (await postgresDatabase(t))('claims');
  // The first attempt hangs past its 300 ms timeout and is settled for a retry, claimed and settled again.
  const limits = { ...webhooks, pollMs: 20, timeoutMs: 300, retryBaseMs: 50, retryMaxMs: 100 };
  const sender = await build(t, { seed: 'never', apiTokens, databaseUrl: url, webhooks: limits });
  const reader = await build(t, { seed: 'never', apiTokens, databaseUrl: url, webhooks: limits });
  const receiver = await startReceiver(t, (n) => (n === 0 ? 'hang' : 200));
  const hook = await subscribe(t, sender, receiver.url);
  t.equal((await sender.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: organisation })).statusCode, 201);
  await receiver.until(1);
  // A public list, which the response cache keeps under the change stamp.
  const listed = async () => body<{ data: Array<{ slug: string; kind: string }> }>(await reader.inject({ url: '/v1/organisations?sort=name' })).data.map(({ slug, kind }) => `${slug} ${kind}`);
  t.same(await listed(), [`${organisation.slug} committee`], 'the reader lists the organisation, its delivery claimed');
  // Changed around the API, which tells no process: what the reader lists now shows whether it read again.
  const around = new pg.Client(url);
  await around.connect();
  t.teardown(() => around.end());
  await around.query("update organisations set kind = 'agency'");
  t.same(await listed(), [`${organisation.slug} committee`], 'read again: from the cache');
  await receiver.until(2);
  let deliveries: Array<{ status: string; attempts: number }> = [];
  for (let waited = 0; deliveries[0]?.status !== 'succeeded' && waited < 10_000; waited += 20) {
    deliveries = body<{ data: typeof deliveries }>(await sender.inject({ url: `/v1/webhooks/${hook}/deliveries`, headers: admin })).data;
    await sleep(20);
  }
  t.match(deliveries, [{ status: 'succeeded', attempts: 2 }], 'the delivery was claimed and settled twice');
  await sleep(200);
  t.same(await listed(), [`${organisation.slug} committee`], 'still from the cache: no claim or settlement emptied it');
  t.equal((await sender.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-المتابعة', name: 'لجنة المتابعة', kind: 'committee' } })).statusCode, 201);
  let after = await listed();
  for (let waited = 0; after.length < 2 && waited < 10_000; waited += 20) {
    await sleep(20);
    after = await listed();
  }
  t.same(after, [`${organisation.slug} agency`, 'لجنة-المتابعة committee'], "a write that matters reaches the reader's cache, which reads both rows anew");
});

t.test('a server whose start fails on PostgreSQL leaves no connection to its database open', async (t) => {
  const { admin, fresh } = await clusterAdmin(t, await startPostgres(t));
  const { name, url } = await fresh('failing');
  const first = await build(t, { seed: 'never', databaseUrl: url });
  await first.close();
  // What the next start's rebuild needs, gone: its preparation fails after the engine has opened its connections.
  const breaking = new pg.Client(url);
  await breaking.connect();
  await breaking.query('update search_analyser set version = 0; drop table search_documents cascade');
  await breaking.end();
  await t.rejects(build(t, { seed: 'never', databaseUrl: url }), { message: /search_documents/ }, 'the start fails');
  const connected = async () => (await admin.query<{ n: number }>('select count(*)::integer as n from pg_stat_activity where datname = $1', [name])).rows[0]!.n;
  for (let waited = 0; waited < 2_000 && (await connected()) > 0; waited += 50) await sleep(50);
  t.equal(await connected(), 0, 'neither the pool nor the change signal is left connected');
});
