import { asc, sql } from 'drizzle-orm';
import t from 'tap';
import { changes } from '../../src/core/changes/table.js';
import { postgresWrite } from '../../src/core/db/postgres-write.js';
import { statement } from '../../src/core/db/statements.js';
import { claimDeliveries, nextDue, releaseDelivery, settleDelivery } from '../../src/core/webhooks/outbox.js';
import { webhookDeliveries, webhooks } from '../../src/core/webhooks/table.js';
import { engines } from '../engines.js';

/*
 * The dispatcher's claims and settlements, written once (core/webhooks/outbox.ts) and run in each engine's write
 * transaction: group commit's `tx` on SQLite, `postgresWrite`'s on PostgreSQL. The expected rows are worked out
 * here from the rows written, by the rules of docs/webhooks.md.
 */

const { onBoth, onPostgres } = engines(t);

const at = '2026-02-01T00:00:00.000Z';
const hook = { id: 'w1', url: 'https://hooks.example/in', secret: 'whsec_test', resources: ['people'], actions: ['created', 'updated'], created_at: at, updated_at: at };
const events = [
  { seq: 1, resource: 'people', record_id: 'p1', action: 'created', version: 1, at },
  { seq: 2, resource: 'people', record_id: 'p2', action: 'created', version: 1, at },
  { seq: 3, resource: 'people', record_id: 'p1', action: 'updated', version: 2, at },
];
const pending = (id: number, seq: number, due: number) => ({
  id,
  webhook_id: 'w1',
  seq,
  status: 'pending',
  attempts: 0,
  next_attempt_at: due,
  claim: null,
  last_attempt_at: null,
  response_status: null,
  error: null,
});
const deliveries = [
  pending(1, 1, 200),
  pending(2, 2, 100),
  pending(3, 3, 5_000),
  { ...pending(4, 1, 50), status: 'succeeded', attempts: 1, next_attempt_at: null, last_attempt_at: at, response_status: 200 },
];

const rows = statement
  .select({
    id: webhookDeliveries.id,
    status: webhookDeliveries.status,
    attempts: webhookDeliveries.attempts,
    next: webhookDeliveries.next_attempt_at,
    claim: webhookDeliveries.claim,
    response: webhookDeliveries.response_status,
  })
  .from(webhookDeliveries)
  .orderBy(asc(webhookDeliveries.id));
const eventOf = (seq: number) => {
  const { record_id, ...event } = events[seq - 1]!;
  return { ...event, id: record_id };
};

onBoth("claims, settlements and releases in the engine's write transaction", async (t, engine) => {
  await engine.insert(webhooks, [hook]);
  await engine.insert(changes, events);
  await engine.insert(webhookDeliveries, deliveries);
  const stored = () => engine.statements.prepare(rows).all();
  const before = await stored();

  t.equal(await nextDue(engine.statements), 100, 'the earliest pending delivery is due at 100 (the settled one, due at 50, is not pending)');

  await t.rejects(
    engine.write(async (tx) => {
      t.equal((await claimDeliveries(tx, 10, 300, 1_300)).length, 2, 'claimed inside the transaction');
      throw new Error('undone');
    }),
    { message: 'undone' },
  );
  t.strictSame(await stored(), before, 'a claim in a transaction that fails leaves every row as it was');

  const [first] = await engine.write((tx) => claimDeliveries(tx, 1, 300, 1_300));
  t.strictSame({ ...first, claim: typeof first?.claim }, { id: 2, claim: 'string', attempts: 0, url: hook.url, secret: hook.secret, event: eventOf(2) }, 'a limit of 1 claims the one due first');
  const claimed = await engine.write((tx) => claimDeliveries(tx, 10, 300, 1_300));
  t.strictSame(
    claimed.map(({ id, event }) => ({ id, event })),
    [{ id: 1, event: eventOf(1) }],
    'then the other due one: not the one claimed, not the one due later, not the settled one',
  );
  t.strictSame(await engine.write((tx) => claimDeliveries(tx, 10, 300, 1_300)), [], 'a claimed delivery is not due again while its lease lasts');
  const afterClaims = await stored();
  t.strictSame(
    afterClaims.map(({ id, next, claim }) => ({ id, next, claimed: claim !== null })),
    [
      { id: 1, next: 1_300, claimed: true },
      { id: 2, next: 1_300, claimed: true },
      { id: 3, next: 5_000, claimed: false },
      { id: 4, next: null, claimed: false },
    ],
    'a claim moves the due time to the end of the lease',
  );
  t.equal(await nextDue(engine.statements), 1_300, 'the claimed deliveries are next due at the end of their lease');

  const delivered = claimed[0]!;
  t.equal(
    await engine.write((tx) => settleDelivery(tx, { ...delivered, claim: 'another' }, { status: 'succeeded', attempts: 1, nextAttemptAt: null, responseStatus: 200, error: null })),
    false,
    'a lost claim settles nothing',
  );
  t.equal(await engine.write((tx) => settleDelivery(tx, delivered, { status: 'succeeded', attempts: 1, nextAttemptAt: null, responseStatus: 204, error: null })), true);
  await engine.write((tx) => releaseDelivery(tx, first!, 400));
  t.strictSame(
    (await stored()).slice(0, 2),
    [
      { id: 1, status: 'succeeded', attempts: 1, next: null, claim: null, response: 204 },
      { id: 2, status: 'pending', attempts: 0, next: 400, claim: null, response: null },
    ],
    'the settled delivery is done; the released one is due again at the given time',
  );
  t.equal(await nextDue(engine.statements), 400, 'the released delivery is the next due, before the one due at 5,000');
  t.equal((await engine.statements.prepare(sql<{ n: number }>`select count(*) as n from ${webhookDeliveries} where ${webhookDeliveries.claim} is not null`).get())?.n, 0, 'no claim is left');
});

onPostgres('two nodes claiming at once take different deliveries, neither waiting for the other', async (t, engine) => {
  const due = [1, 2, 3].map((seq) => pending(seq, seq, 100));
  await engine.insert(webhooks, [hook]);
  await engine.insert(changes, events);
  await engine.insert(webhookDeliveries, due);
  const pool = engine.postgres!.pool;
  const runs = { first: 0, second: 0 };
  // The dispatcher's claims append nothing to the feed, so they need not queue behind its lock, and pass over rows
  // another claim holds at read committed (under serializable the one that skipped is refused at the other's commit).
  const claimOn = (name: keyof typeof runs, limit: number, whileHeld: () => Promise<void> = async () => {}) =>
    postgresWrite(
      pool,
      async (tx) => {
        runs[name] += 1;
        const claimed = await claimDeliveries(tx, limit, 300, 1_300);
        await whileHeld();
        return claimed.map(({ id }) => id);
      },
      { appendsChanges: false, isolation: 'read committed' },
    );
  let letFirstCommit!: () => void;
  const firstHolds = new Promise<void>((resolve) => {
    letFirstCommit = resolve;
  });
  let firstClaimed!: () => void;
  const firstHasClaimed = new Promise<void>((resolve) => {
    firstClaimed = resolve;
  });
  const first = claimOn('first', 1, async () => {
    firstClaimed();
    await firstHolds;
  });
  await firstHasClaimed;
  const waited = Symbol('waited');
  const second = await Promise.race([claimOn('second', 10), new Promise<typeof waited>((resolve) => setTimeout(() => resolve(waited), 2_000))]);
  letFirstCommit();
  const firstIds = await first;
  t.not(second, waited, 'the second claim did not wait for the first to commit');
  t.strictSame(firstIds, [1], 'the first took the delivery due first (in order of due time, then id)');
  t.strictSame(runs, { first: 1, second: 1 }, 'each claim ran once: neither was refused and run again');
  t.strictSame(second, [2, 3], 'the second took the others, passing over the one the first holds');
  t.equal((await engine.statements.prepare(sql<{ n: number }>`select count(*) as n from ${webhookDeliveries} where ${webhookDeliveries.claim} is not null`).get())?.n, 3, 'each delivery claimed once');
});
