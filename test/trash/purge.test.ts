import { asc } from 'drizzle-orm';
import t from 'tap';
import { appendChange } from '../../src/core/changes/store.js';
import { changes } from '../../src/core/changes/table.js';
import { postgresStatements } from '../../src/core/db/postgres-statements.js';
import { statement } from '../../src/core/db/statements.js';
import { revisions } from '../../src/core/revisions/table.js';
import { purgeExpired, purgeOldest, purgeTrashed } from '../../src/core/trash/purge.js';
import { trash } from '../../src/core/trash/table.js';
import { webhookDeliveries, webhooks } from '../../src/core/webhooks/table.js';
import { type Engine, engines } from '../engines.js';

/*
 * The trash's purges and the change feed's append (with its webhook deliveries), written once (core/trash/purge.ts,
 * core/changes/store.ts) and run in each engine's write transaction: group commit's `tx` on SQLite, `postgresWrite`'s
 * on PostgreSQL. The rows each should leave are worked out here from the rows written, by docs/trash.md's rules.
 */

const { onBoth, onPostgres } = engines(t);

const at = '2026-02-01T00:00:00.000Z';
const day = 86_400_000;
const hook = (id: string, resources: string[], actions: string[]) => ({ id, url: `https://hooks.example/${id}`, secret: 'whsec_test', resources, actions, created_at: at, updated_at: at });
// Only w1 takes a person's purge; w2 another resource's, w3 another action's.
const hooks = [hook('w1', ['people', 'meetings'], ['trashed', 'purged']), hook('w2', ['articles'], ['purged']), hook('w3', ['people'], ['created'])];
const trashed = (resource: string, record_id: string, version: number, trashedAt: string) => ({
  resource,
  record_id,
  slug: `slug-${record_id}`,
  version,
  trashed_at: trashedAt,
  writer: 'test',
  links: [],
});
const entries = [trashed('people', 'p1', 3, '2026-01-05T00:00:00.000Z'), trashed('people', 'p2', 1, '2026-01-02T00:00:00.000Z'), trashed('organisations', 'o1', 2, '2026-01-01T00:00:00.000Z')];
const revision = (resource: string, record_id: string, n: number) => ({
  resource,
  record_id,
  n,
  action: n === 1 ? 'create' : 'update',
  snapshot: Buffer.from(`${record_id}@${n}`),
  relations_only: false,
  writer: 'test',
  at,
});
const history = [
  revision('people', 'p1', 1),
  revision('people', 'p1', 2),
  revision('people', 'p1', 3),
  revision('people', 'p2', 1),
  revision('organisations', 'o1', 1),
  revision('organisations', 'o1', 2),
];

const tables = {
  trash: statement.select({ resource: trash.resource, id: trash.record_id }).from(trash).orderBy(asc(trash.resource), asc(trash.record_id)),
  revisions: statement.select({ resource: revisions.resource, id: revisions.record_id, n: revisions.n }).from(revisions).orderBy(asc(revisions.resource), asc(revisions.record_id), asc(revisions.n)),
  changes: statement
    .select({ seq: changes.seq, resource: changes.resource, id: changes.record_id, action: changes.action, version: changes.version, at: changes.at })
    .from(changes)
    .orderBy(asc(changes.seq)),
  deliveries: statement
    .select({ webhook: webhookDeliveries.webhook_id, seq: webhookDeliveries.seq, status: webhookDeliveries.status, attempts: webhookDeliveries.attempts, next: webhookDeliveries.next_attempt_at })
    .from(webhookDeliveries)
    .orderBy(asc(webhookDeliveries.seq), asc(webhookDeliveries.webhook_id)),
};

async function rowsOf({ statements }: Engine) {
  return {
    trash: await statements.prepare(tables.trash).all(),
    revisions: await statements.prepare(tables.revisions).all(),
    changes: await statements.prepare(tables.changes).all(),
    deliveries: await statements.prepare(tables.deliveries).all(),
  };
}

async function seeded(engine: Engine) {
  await engine.insert(webhooks, hooks);
  await engine.insert(trash, entries);
  await engine.insert(revisions, history);
}

const pick = <T extends { resource: string; id: string }>(rows: T[], resource: string, id: string) => rows.filter((row) => !(row.resource === resource && row.id === id));
/** The clock the writes are given, far from the wall clock: the events' `at` and their deliveries go by it. */
const clockNow = Date.parse('2030-06-01T00:00:00.000Z');
/** What a delivery of `seq` to webhook w1 is when it is queued: pending, due at once by the clock. */
const queued = (seq: number) => ({ webhook: 'w1', seq, status: 'pending', attempts: 0, next: clockNow });

onBoth('an appended change is numbered by the engine and queues a delivery for each webhook it matches', async (t, engine) => {
  await seeded(engine);
  const first = await engine.write((tx) => appendChange(tx, { resource: 'people', id: 'p1', action: 'trashed', version: 3 }, clockNow));
  const second = await engine.write((tx) => appendChange(tx, { resource: 'people', id: 'p2', action: 'created', version: 1 }, clockNow));
  t.strictSame([first.seq, second.seq], [1, 2], 'seqs from 1, in order');
  const rows = await rowsOf(engine);
  t.strictSame(
    rows.changes,
    [
      { seq: 1, resource: 'people', id: 'p1', action: 'trashed', version: 3, at: new Date(clockNow).toISOString() },
      { seq: 2, resource: 'people', id: 'p2', action: 'created', version: 1, at: new Date(clockNow).toISOString() },
    ],
    'the events as appended, dated by the given clock',
  );
  t.strictSame(rows.deliveries, [queued(1), { ...queued(2), webhook: 'w3' }], 'w1 takes the trash of a person, w3 its creation; w2 neither');
});

onPostgres('on PostgreSQL an append reads its seq back in the same round trip as its insert', async (t, engine) => {
  await seeded(engine);
  const client = await engine.postgres.pool.connect();
  t.teardown(() => client.release());
  await client.query('begin');
  // Every statement the executor sends goes through the client's query method.
  let sent = 0;
  const counting = new Proxy(client, {
    get(target, name) {
      if (name !== 'query') return Reflect.get(target, name);
      return (...args: unknown[]) => {
        sent++;
        return Reflect.apply(target.query, target, args);
      };
    },
  });
  const appended = await appendChange(postgresStatements(counting), { resource: 'people', id: 'p1', action: 'trashed', version: 3 }, clockNow);
  await client.query('rollback');
  t.equal(appended.seq, 1, 'the seq the counter row gave');
  t.equal(sent, 2, `two statements: the insert, which returns the seq, and the deliveries' (${sent} sent)`);
});

onBoth('a purge erases the entry and the revisions and appends a purged event with its deliveries; a purge that fails leaves nothing', async (t, engine) => {
  await seeded(engine);
  const before = await rowsOf(engine);

  await t.rejects(
    engine.write(async (tx) => {
      t.equal(await purgeTrashed(tx, 'people', 'p1', clockNow), true, 'purged inside the transaction');
      throw new Error('undone');
    }),
    { message: 'undone' },
  );
  t.strictSame(await rowsOf(engine), before, 'a purge in a transaction that fails leaves every row as it was');

  t.equal(await engine.write((tx) => purgeTrashed(tx, 'people', 'p1', clockNow)), true, 'a trashed record is purged');
  const after = await rowsOf(engine);
  t.strictSame(after.trash, pick(before.trash, 'people', 'p1'), 'its entry is gone, the others stay');
  t.strictSame(after.revisions, pick(before.revisions, 'people', 'p1'), 'its revisions are erased, the others stay');
  t.equal(after.changes.length, 1, 'one event');
  const [event] = after.changes;
  // The failed purge gave its seq back, on PostgreSQL too (the counter row is rolled back with it).
  t.strictSame(
    event,
    { seq: 1, resource: 'people', id: 'p1', action: 'purged', version: 3, at: new Date(clockNow).toISOString() },
    "purged, at the version it had in the trash, dated by the purge's clock",
  );
  t.strictSame(after.deliveries, [queued(1)], 'a delivery for the one webhook of people and purges');

  t.equal(await engine.write((tx) => purgeTrashed(tx, 'people', 'p1', clockNow)), false, 'not twice');
  t.equal(await engine.write((tx) => purgeTrashed(tx, 'meetings', 'p2', clockNow)), false, 'not under another resource');
  t.strictSame(await rowsOf(engine), after, 'a purge of what is not in the trash writes nothing');
});

onBoth('the oldest and the expired are purged by resource, a bounded batch at a time', async (t, engine) => {
  await seeded(engine);
  await engine.insert(trash, [trashed('people', 'p3', 1, '2026-01-03T00:00:00.000Z')]);
  // p2 (Jan 2) and p3 (Jan 3) are the longest trashed people; o1 (Jan 1) is another resource's.
  t.equal(await engine.write((tx) => purgeOldest(tx, 'people', 2, clockNow)), 2, 'two purged');
  t.strictSame(
    (await rowsOf(engine)).trash,
    [
      { resource: 'organisations', id: 'o1' },
      { resource: 'people', id: 'p1' },
    ],
    'the two people longest in the trash',
  );

  const expire = (now: number) => purgeExpired({ reads: engine.statements, write: (body) => engine.write(body) }, now, 30, 1);
  const jan = (date: number) => Date.parse(`2026-01-${String(date).padStart(2, '0')}T00:00:00.000Z`);
  t.equal(await expire(jan(31)), 0, 'nothing trashed 30 days before Jan 31');
  t.equal(await expire(jan(31) + day), 1, 'then o1, trashed on Jan 1');
  t.equal(await expire(jan(31) + day), 0, 'and only o1');
  t.equal(await expire(jan(31) + 5 * day), 1, 'p1, trashed on Jan 5, once 30 days have passed');
  const rows = await rowsOf(engine);
  t.strictSame(rows.trash, [], 'the trash is empty');
  t.strictSame(rows.revisions, [], 'every revision of a purged record is erased');
  t.strictSame(
    rows.changes.map(({ seq, resource, id, action }) => ({ seq, resource, id, action })),
    ['p2', 'p3', 'o1', 'p1'].map((id, i) => ({ seq: i + 1, resource: id === 'o1' ? 'organisations' : 'people', id, action: 'purged' })),
    'one purged event each, in the order purged',
  );
});
