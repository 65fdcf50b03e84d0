import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { sseReader } from './changes/sse.js';
import { clusterAdmin, startPostgres } from './postgres.js';
import { type ServerProcess, startServer } from './server-process.js';
import { startReceiver } from './webhooks/receiver.js';

/*
 * Several nodes on one PostgreSQL (docs/postgresql.md, step 6): two real server processes on one database behave as
 * one service. What a client relies on, checked from outside: a write on one node is read by the next read on the
 * other, the other's change stream carries both nodes' events in seq order, a webhook delivery is sent once while
 * both dispatch, and the rate limits are each node's own (as the README says).
 */

// Real server processes on a throwaway cluster, on a busy 2-core machine.
t.setTimeout(240_000);

const editorSecret = 'nodes-editor-0123456789';
const adminSecret = 'nodes-admin-0123456789';
const editor = { authorization: `Bearer ${editorSecret}`, 'content-type': 'application/json' };
const admin = { authorization: `Bearer ${adminSecret}`, 'content-type': 'application/json' };
/** Each node's read limit: what the last check exhausts on one node. */
const readLimit = 400;

async function started(t: Test, env: Record<string, string>) {
  const server = await startServer({ SEED: 'never', API_TOKENS: `desk:${editorSecret},ops@admin:${adminSecret}`, ...env });
  t.teardown(() => server.stop());
  return server;
}

const request = (node: ServerProcess, path: string, init: RequestInit = {}) => fetch(`${node.url}${path}`, init);
const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
const create = async (node: ServerProcess, resource: string, record: object) => {
  const response = await request(node, `/v1/${resource}`, { method: 'POST', headers: editor, body: JSON.stringify(record) });
  if (response.status !== 201) throw new Error(`${resource} not created: ${response.status} ${await response.text()}`);
  return (await json<{ data: { id: string } }>(response)).data.id;
};
const organisation = (slug: string, name = slug.replaceAll('-', ' ')) => ({ slug, name, kind: 'committee' });

/** Loaded into a node whose change signal hears no notification (test/fixtures/unheard-notifications.mjs). */
const unheard = { NODE_OPTIONS: `--import=${new URL('fixtures/unheard-notifications.mjs', import.meta.url).href}` };

/** Asks again every 50 ms until `settled` holds, for `ms` at most; the last answer either way. */
async function settles<T>(read: () => Promise<T>, settled: (value: T) => boolean, ms: number): Promise<T> {
  let value = await read();
  for (const deadline = Date.now() + ms; !settled(value) && Date.now() < deadline; ) {
    await sleep(50);
    value = await read();
  }
  return value;
}

t.test('two nodes on one PostgreSQL database behave as one service', async (t) => {
  const { fresh } = await clusterAdmin(t, await startPostgres(t));
  const { url } = await fresh('nodes');
  const env = { DATABASE_URL: url, WEBHOOK_ALLOW_PRIVATE: 'true', RATE_LIMIT_MAX: String(readLimit) };
  const [a, b] = await Promise.all([started(t, env), started(t, env)]);

  await t.test('a write on one node is read by the next read on the other', async (t) => {
    const total = async () => (await json<{ meta: { total: number } }>(await request(b, '/v1/organisations'))).meta.total;
    t.equal(await total(), 0, 'b lists nothing, and keeps the answer');
    t.equal(await total(), 0, 'read again');
    const id = await create(a, 'organisations', organisation('لجنة-العقود'));
    const byId = await request(b, `/v1/organisations/${id}`);
    t.equal(byId.status, 200, "b finds a's record by its id");
    t.equal(await total(), 1, "b's list counts it");
    const etag = byId.headers.get('etag')!;
    const patched = await request(a, `/v1/organisations/${id}`, {
      method: 'PATCH',
      headers: { ...editor, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ name: 'لجنة العقود الكبرى' }),
    });
    t.equal(patched.status, 200);
    const conditional = await request(b, `/v1/organisations/${id}`, { headers: { 'if-none-match': etag } });
    t.equal(conditional.status, 200, "b's answer to the old ETag is the new record, not 304");
    t.not(conditional.headers.get('etag'), etag, 'under a new ETag');
    t.equal((await json<{ data: { name: string } }>(conditional)).data.name, 'لجنة العقود الكبرى');
    const found = await json<{ data: Array<{ id: string }> }>(await request(b, `/v1/search?q=${encodeURIComponent('الكبرى')}`));
    t.same(
      found.data.map((hit) => hit.id),
      [id],
      "b's search finds the word a wrote",
    );
  });

  await t.test('a node that hears no notification reads, from its caches too, a write acknowledged before its read was sent', async (t) => {
    const c = await started(t, { ...env, ...unheard });
    const id = await create(a, 'organisations', organisation('لجنة-الموازنة'));
    const reads = {
      byId: async () => (await json<{ data: { name: string } }>(await request(c, `/v1/organisations/${id}`))).data.name,
      list: async (headers: Record<string, string> = {}) => {
        const { data, meta } = await json<{ data: Array<{ name: string }>; meta: { total: number } }>(await request(c, '/v1/organisations?limit=20', { headers }));
        return { names: data.map(({ name }) => name).sort(), total: meta.total };
      },
      search: async () => (await json<{ data: Array<{ id: string }> }>(await request(c, `/v1/search?q=${encodeURIComponent('المالية')}`))).data.map((hit) => hit.id),
    };
    const before = { byId: await reads.byId(), list: await reads.list(), editors: await reads.list({ authorization: editor.authorization }), search: await reads.search() };
    t.equal(before.byId, 'لجنة الموازنة', 'c reads the record, and keeps the answer');
    t.same(before.search, [], 'no record holds the word yet');
    const patched = await request(a, `/v1/organisations/${id}`, {
      method: 'PATCH',
      headers: { ...editor, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ name: 'لجنة الموازنة المالية' }),
    });
    t.equal(patched.status, 200);
    await create(a, 'organisations', organisation('لجنة-التدقيق'));
    const names = [...before.list.names.filter((name) => name !== 'لجنة الموازنة'), 'لجنة التدقيق', 'لجنة الموازنة المالية'].sort();
    t.equal(await reads.byId(), 'لجنة الموازنة المالية', 'a get by id answers the new version');
    t.same(await reads.list(), { names, total: before.list.total + 1 }, 'a public list answers both writes, and counts the new record');
    t.same(await reads.list({ authorization: editor.authorization }), { names, total: before.editors.total + 1 }, "an editor's list too (its total is kept in the list's memo)");
    t.same(await reads.search(), [id], 'a search finds the word written');
    const added = await request(a, '/v1/organisations', { method: 'POST', headers: editor, body: JSON.stringify(organisation('لجنة-المشتريات')) });
    t.equal(added.status, 201);
    const positioned = await reads.list({ 'khabar-position': added.headers.get('khabar-position')! });
    t.same(
      positioned,
      { names: [...names, 'لجنة المشتريات'].sort(), total: before.list.total + 2 },
      "a read carrying the write's position lists and counts it (the response cache skips such reads; the list's memo does not)",
    );
  });

  await t.test("an article's mentions follow a rename on the other node within the documented lag", async (t) => {
    const named = await create(a, 'organisations', organisation('هيئة-مؤقتة', 'هيئة مؤقتة'));
    const article = await create(a, 'articles', {
      slug: 'اجتماع-مجلس-الإنماء',
      title: 'اجتماع مجلس الإنماء',
      language: 'ar',
      body: [{ type: 'paragraph', text: 'عقد مجلس الإنماء اجتماعه الأول أمس.' }],
    });
    const mentioned = async () => (await json<{ data: Array<{ text: string }> }>(await request(a, `/v1/articles/${article}/mentions`))).data.map(({ text }) => text);
    t.same(await mentioned(), [], 'the article names no organisation yet');
    const renamed = await request(b, `/v1/organisations/${named}`, {
      method: 'PATCH',
      headers: { ...editor, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ name: 'مجلس الإنماء' }),
    });
    t.equal(renamed.status, 200, 'b renames the organisation to what the article names');
    const startedAt = Date.now();
    const mentions = await settles(mentioned, (texts) => texts.length > 0, 5_000);
    t.same(mentions, ['مجلس الإنماء', 'مجلس الإنماء'], `a's answer names it in the title and the body, ${Date.now() - startedAt} ms after the rename (mentions may lag a few seconds)`);
  });

  await t.test("b's change stream carries both nodes' events in seq order, and each delivery is sent once while both dispatch", async (t) => {
    const receiver = await startReceiver(t);
    const subscribed = await request(a, '/v1/webhooks', { method: 'POST', headers: admin, body: JSON.stringify({ url: receiver.url, resources: ['people'], actions: ['created'] }) });
    t.equal(subscribed.status, 201);
    const streamed = await request(b, '/v1/changes/stream', { headers: { authorization: `Bearer ${editorSecret}` } });
    t.equal(streamed.status, 200);
    const stream = sseReader(streamed.body!);
    t.teardown(() => stream.cancel());
    // Connected: the stream starts after the newest event, which it read before answering.
    await stream.until((events) => events.length > 0);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await create(i % 2 === 0 ? a : b, 'people', { slug: `شخص-${i}`, name: `شخص ${i}` }));
    const events = (await stream.until((events) => events.filter((event) => event.data !== undefined).length >= ids.length)).filter((event) => event.data !== undefined);
    const changes = events.map((event) => JSON.parse(event.data!) as { seq: number; id: string });
    t.same(
      changes.map(({ id }) => id),
      ids,
      'every write of either node, in the order they were made',
    );
    const first = changes[0]!.seq;
    t.same(
      changes.map(({ seq }) => seq),
      ids.map((_, i) => first + i),
      'numbered without a gap',
    );
    t.same(
      events.map((event) => Number(event.id)),
      changes.map(({ seq }) => seq),
      'each event id its seq',
    );
    await receiver.until(ids.length);
    // Either node's dispatcher looks again within its poll (1 s); a delivery sent twice would come by then.
    await sleep(2_500);
    const sent = receiver.received.map(({ body }) => (JSON.parse(body) as { data: { id: string } }).data.id);
    t.same([...sent].sort(), [...ids].sort(), 'each person created was sent once');
    t.equal(new Set(receiver.received.map(({ headers }) => headers['webhook-id'])).size, ids.length, 'under as many Webhook-Ids');
  });

  await t.test("the read limit is each node's own", async (t) => {
    const remaining = (response: Response) => Number(response.headers.get('ratelimit-remaining'));
    let left = remaining(await request(a, '/v1/changes?limit=1'));
    t.ok(left > 0 && left < readLimit, `a has ${left} reads left of ${readLimit}`);
    for (; left > 0; left--) await request(a, '/v1/changes?limit=1');
    t.equal((await request(a, '/v1/changes?limit=1')).status, 429, 'a refuses this client past its limit');
    const onB = await request(b, '/v1/changes?limit=1');
    t.equal(onB.status, 200, 'b still answers it');
    t.ok(remaining(onB) > 0, `with ${remaining(onB)} reads left: b counted only its own`);
  });
});

t.test('WORKERS=2 on PostgreSQL: each worker its own pool and change signal, one service, stopped together', async (t) => {
  const { admin: cluster, fresh } = await clusterAdmin(t, await startPostgres(t));
  const { name, url } = await fresh('workers');
  const server = await started(t, { DATABASE_URL: url, WORKERS: '2' });
  const listening = () => new Set([...server.log().matchAll(/"pid":(\d+)[^\n]*Server listening/g)].map((m) => m[1])).size;
  for (let i = 0; i < 100 && listening() < 2; i++) await sleep(100);
  t.equal(listening(), 2, 'two workers listen');
  const signals = await cluster.query<{ n: number }>("select count(distinct pid)::integer as n from pg_stat_activity where datname = $1 and application_name = 'khabar change signal'", [name]);
  t.equal(signals.rows[0]!.n, 2, 'each worker listens for changes on a connection of its own (the primary closed its own after preparing)');
  await create(server, 'organisations', organisation('لجنة-العاملين'));
  const totals = await Promise.all(Array.from({ length: 8 }, async () => (await json<{ meta: { total: number } }>(await request(server, '/v1/organisations'))).meta.total));
  t.same(new Set(totals), new Set([1]), 'every worker sees the write');
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'the primary exits 0 once the workers have closed');
});
