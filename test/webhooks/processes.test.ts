import { type SQL, sql } from 'drizzle-orm';
import t from 'tap';
import { engineUnder } from '../../src/core/db/handles.js';
import { openServices } from '../../src/core/services.js';
import { sharedDatabase } from '../helper.js';
import { processToken, startServer } from '../server-process.js';
import { sleep, startReceiver } from './receiver.js';

const adminSecret = 'admin-secret-0123456789';
const tokens = `editor:${processToken},ops@admin:${adminSecret}`;
// An empty database: the tests need none of the seed, and a loaded machine starts the server sooner without it.
const seedless = { SEED: 'never' };
/** Starting a server process takes seconds on a busy machine; three start here. */
const startMs = 60_000;
t.setTimeout(300_000);
const editor = { authorization: `Bearer ${processToken}`, 'content-type': 'application/json' };
const admin = { authorization: `Bearer ${adminSecret}`, 'content-type': 'application/json' };

/** The rows a statement reads in the database at `url`, opened as a server opens it, on its engine. */
async function rowsAt<Row>(url: string, query: SQL<Row>): Promise<Row[]> {
  const services = await openServices(url);
  try {
    return await engineUnder(services).reads.prepare(query).all();
  } finally {
    await services.close();
  }
}

async function subscribe(url: string, receiver: string) {
  const response = await fetch(`${url}/v1/webhooks`, { method: 'POST', headers: admin, body: JSON.stringify({ url: receiver, resources: ['organisations'], actions: ['created'] }) });
  if (response.status !== 201) throw new Error(`the webhook was not created: ${await response.text()}`);
  return ((await response.json()) as { data: { id: string } }).data.id;
}

const createOrganisation = (url: string, n: number) =>
  fetch(`${url}/v1/organisations`, { method: 'POST', headers: editor, body: JSON.stringify({ slug: `لجنة-${n}`, name: `لجنة ${n}`, kind: 'committee' }) });

t.test('two worker processes send each delivery once', async (t) => {
  const receiver = await startReceiver(t);
  const server = await startServer(
    { ...seedless, DATABASE_URL: await sharedDatabase(t, 'never'), WORKERS: '2', API_TOKENS: tokens, RATE_LIMIT_WRITE_MAX: '0', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '10' },
    startMs,
  );
  t.teardown(() => server.stop());
  await subscribe(server.url, receiver.url);
  const writes = 40;
  const statuses = await Promise.all(Array.from({ length: writes }, async (_, n) => (await createOrganisation(server.url, n)).status));
  t.same(new Set(statuses), new Set([201]), 'every write succeeds');
  await receiver.until(writes);
  // Both processes poll every 10 ms: time for either to send any delivery a second time.
  await sleep(1000);
  const ids = receiver.received.map((request) => request.headers['webhook-id']);
  t.equal(ids.length, writes, `${writes} requests`);
  t.equal(new Set(ids).size, writes, 'each with its own Webhook-Id');
  const seqs = receiver.received.map((request) => JSON.parse(request.body).data.seq as number);
  t.equal(new Set(seqs).size, writes, 'each event once');
});

t.test('kill -9 under writes: every committed matching event has its delivery, and a restart sends them all', async (t) => {
  const url = await sharedDatabase(t, 'never');
  const env = { ...seedless, DATABASE_URL: url, API_TOKENS: tokens, RATE_LIMIT_WRITE_MAX: '0', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '10' };
  // While the first process runs, the receiver never answers: its deliveries are in flight or pending when it dies.
  const receiver = await startReceiver(t, () => 'hang');
  const first = await startServer({ ...env, WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_RETRY_BASE_MS: '50' }, startMs);
  t.teardown(() => first.stop());
  const hook = await subscribe(first.url, receiver.url);
  const acknowledged: string[] = [];
  let stop = false;
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      try {
        const response = await createOrganisation(first.url, w * 100_000 + i);
        if (response.status === 201) acknowledged.push(((await response.json()) as { data: { id: string } }).data.id);
      } catch {
        return; // the connection died with the process
      }
    }
  });
  await sleep(1500);
  first.child.kill('SIGKILL');
  stop = true;
  await Promise.all([first.exited, ...writers]);
  t.ok(acknowledged.length > 10, `${acknowledged.length} writes acknowledged before the kill`);

  const events = (await rowsAt(url, sql<{ seq: number | string; id: string }>`select seq, record_id as id from changes where resource = 'organisations' and action = 'created' order by seq`)).map(
    ({ seq, id }) => ({ seq: Number(seq), id }),
  );
  const deliveries = (await rowsAt(url, sql<{ seq: number | string }>`select seq from webhook_deliveries where webhook_id = ${hook} order by seq`)).map(({ seq }) => Number(seq));
  const eventIds = new Set(events.map((event) => event.id));
  t.same(
    acknowledged.filter((id) => !eventIds.has(id)),
    [],
    'every acknowledged write has its event',
  );
  t.same(
    deliveries,
    events.map((event) => event.seq),
    'each event has one delivery, and no delivery is without its event',
  );

  receiver.answer = () => 200;
  const before = receiver.received.length;
  const second = await startServer(env, startMs);
  t.teardown(() => second.stop());
  // The deliveries the dead process had claimed come back when their lease (2 × its 1 s timeout + 1 s) ends.
  const sent = () => new Set(receiver.received.slice(before).map((request) => JSON.parse(request.body).data.seq as number));
  for (let waited = 0; sent().size < events.length && waited < 20_000; waited += 50) await sleep(50);
  t.same(
    [...sent()].sort((a, b) => a - b),
    events.map((event) => event.seq),
    'the restarted server sent every event’s delivery',
  );
});
