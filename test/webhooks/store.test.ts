import { asc, sql } from 'drizzle-orm';
import t from 'tap';
import { changes } from '../../src/core/changes/table.js';
import { statement } from '../../src/core/db/statements.js';
import { maxWebhooks, type WebhookInput } from '../../src/core/webhooks/schemas.js';
import { createWebhook, pruneSettledDeliveries, redeliverDelivery, removeWebhook, updateWebhook, webhookReads } from '../../src/core/webhooks/store.js';
import { webhookDeliveries, webhooks } from '../../src/core/webhooks/table.js';
import { engines } from '../engines.js';

/*
 * The admin's webhooks and the deliveries it redelivers or that age out (core/webhooks/store.ts), written once and
 * run on each engine: reads on its read executor, writes in its write transaction. The expected rows are worked out
 * here from the inputs, by the rules of docs/webhooks.md.
 */

const { onBoth } = engines(t);

const at = '2026-02-01T00:00:00.000Z';
const input: WebhookInput = { url: 'https://hooks.example/in', resources: ['people', 'articles'], actions: ['created'] };
const delivery = (id: number, status: string, claim: string | null, lastAttemptAt: string | null) => ({
  id,
  webhook_id: 'w1',
  seq: 1,
  status,
  attempts: 3,
  next_attempt_at: status === 'pending' ? 500 : null,
  claim,
  last_attempt_at: lastAttemptAt,
  response_status: status === 'succeeded' ? 200 : null,
  error: status === 'failed' ? 'refused' : null,
});
const deliveryRows = statement
  .select({ id: webhookDeliveries.id, status: webhookDeliveries.status, attempts: webhookDeliveries.attempts, next: webhookDeliveries.next_attempt_at, claim: webhookDeliveries.claim })
  .from(webhookDeliveries)
  .orderBy(asc(webhookDeliveries.id));

onBoth('webhooks created, patched field by field and deleted with their deliveries; the limit holds', async (t, engine) => {
  const reads = webhookReads(engine.statements);
  const created = await engine.write((tx) => createWebhook(tx, input));
  t.match(created, { ...input, secret: /^whsec_/ }, 'the new webhook with its secret');
  const shown = { id: created.id, ...input, created_at: created.created_at, updated_at: created.updated_at };
  t.same(await reads.list(), [shown], 'listed without its secret');
  t.same(await reads.find(created.id), shown);

  const urlOnly = await engine.write((tx) => updateWebhook(tx, created.id, { url: 'https://hooks.example/other' }));
  t.same({ ...urlOnly, updated_at: 'x' }, { ...shown, url: 'https://hooks.example/other', updated_at: 'x' }, 'a patch of the url keeps the lists');
  const listsOnly = await engine.write((tx) => updateWebhook(tx, created.id, { resources: ['meetings'], actions: ['published', 'trashed'] }));
  t.same(
    { ...listsOnly, updated_at: 'x' },
    { ...shown, url: 'https://hooks.example/other', resources: ['meetings'], actions: ['published', 'trashed'], updated_at: 'x' },
    'a patch of the lists keeps the url',
  );
  t.same(await engine.write((tx) => updateWebhook(tx, 'nobody', { url: 'https://hooks.example/x' })), null, 'no such webhook');

  await engine.insert(changes, [{ seq: 1, resource: 'people', record_id: 'p1', action: 'created', version: 1, at }]);
  await engine.insert(webhookDeliveries, [{ ...delivery(1, 'pending', null, null), webhook_id: created.id }]);
  t.equal(await engine.write((tx) => removeWebhook(tx, created.id)), true);
  t.same(await reads.list(), [], 'gone');
  t.same(await engine.statements.prepare(deliveryRows).all(), [], 'with its deliveries');
  t.equal(await engine.write((tx) => removeWebhook(tx, created.id)), false, 'a second delete finds nothing');

  await engine.insert(
    webhooks,
    Array.from({ length: maxWebhooks }, (_, i) => ({ id: `w${i}`, ...input, secret: 's', created_at: at, updated_at: at })),
  );
  await t.rejects(
    engine.write((tx) => createWebhook(tx, input)),
    { code: 'limit_reached' },
    'no more than maxWebhooks',
  );
});

onBoth('a redelivery makes a settled delivery due again, not one being sent; settled ones age out oldest first', async (t, engine) => {
  await engine.insert(webhooks, [{ id: 'w1', ...input, secret: 's', created_at: at, updated_at: at }]);
  await engine.insert(changes, [{ seq: 1, resource: 'people', record_id: 'p1', action: 'created', version: 1, at }]);
  await engine.insert(webhookDeliveries, [
    delivery(1, 'failed', null, '2026-01-01T00:00:00.000Z'),
    delivery(2, 'pending', 'claim-2', '2026-01-02T00:00:00.000Z'),
    delivery(3, 'succeeded', null, '2026-01-03T00:00:00.000Z'),
    delivery(4, 'succeeded', null, '2026-03-01T00:00:00.000Z'),
  ]);
  const redelivered = await engine.write((tx) => redeliverDelivery(tx, 'w1', 1, 9_000));
  t.match(redelivered, { id: 1, status: 'pending', attempts: 0, next_attempt_at: new Date(9_000).toISOString(), error: null }, 'due again at the given time, its attempts from 0');
  const inFlight = await engine.write((tx) => redeliverDelivery(tx, 'w1', 2, 9_000));
  t.match(inFlight, { id: 2, status: 'pending', attempts: 3, next_attempt_at: new Date(500).toISOString() }, 'one being sent is left to its attempt');
  t.equal(await engine.write((tx) => redeliverDelivery(tx, 'other', 3, 9_000)), null, "another webhook's delivery is not found");

  const prune = (before: string, batch: number) => pruneSettledDeliveries({ reads: engine.statements, write: (body) => engine.write(body) }, before, batch);
  t.equal(await prune('2026-02-01T00:00:00.000Z', 1), 1, 'a batch of one');
  t.equal(await prune('2026-02-01T00:00:00.000Z', 50), 0, 'nothing else settled before then: 1 is pending again, 2 pending, 4 later');
  t.same(
    (await engine.statements.prepare(deliveryRows).all()).map(({ id }) => id),
    [1, 2, 4],
    'the settled delivery before the date went; the redelivered, the in-flight and the later one stay',
  );
  t.equal(
    (await engine.statements.prepare(sql<{ n: number }>`select count(*) as n from ${webhookDeliveries} where ${webhookDeliveries.claim} is not null`).get())?.n,
    1,
    'the in-flight claim is kept',
  );
});
