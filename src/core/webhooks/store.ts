import { and, asc, count, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Change } from '../changes/schemas.js';
import type { Db } from '../db/database.js';
import { sqliteDialect } from '../db/dialect.js';
import { newId, now } from '../db/ids.js';
import { prepareOnSqlite } from '../db/statements.js';
import { KhabarError } from '../errors.js';
import { deliveryColumns, deliveryOf } from './deliveries.js';
import { queueDeliveries } from './outbox.js';
import { type Delivery, maxWebhooks, type Webhook, type WebhookInput } from './schemas.js';
import { newSecret } from './signing.js';
import { webhookDeliveries, webhooks } from './table.js';

const publicColumns = { id: webhooks.id, url: webhooks.url, resources: webhooks.resources, actions: webhooks.actions, created_at: webhooks.created_at, updated_at: webhooks.updated_at };

/**
 * Webhooks and their outbox. `enqueue` runs inside each write's transaction (the change feed calls it for
 * every event it appends), so a delivery commits with its change or not at all. Dispatchers claim and settle
 * them through core/webhooks/outbox.ts, written once for either engine.
 */
export function webhookStore(db: Db, clock: () => number = Date.now) {
  // Still synchronous on SQLite's write connection, called by the change feed's listener: the outbox's statement, prepared there.
  const insertDeliveries = prepareOnSqlite(db.$client, queueDeliveries(sqliteDialect));
  const all = db.select(publicColumns).from(webhooks).orderBy(asc(webhooks.id)).prepare();
  const one = db
    .select(publicColumns)
    .from(webhooks)
    .where(eq(webhooks.id, sql.placeholder('id')))
    .prepare();
  const total = db.select({ n: count() }).from(webhooks).prepare();
  const isSettled = sql`${webhookDeliveries.status} <> 'pending'`;
  const settledBefore = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(isSettled, lt(webhookDeliveries.last_attempt_at, sql.placeholder('before'))))
    .orderBy(asc(webhookDeliveries.last_attempt_at))
    .limit(sql.placeholder('limit'));
  const firstSettledBefore = settledBefore.prepare();
  const deleteSettledBefore = db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, settledBefore)).prepare();
  const deliveryOfWebhook = and(eq(webhookDeliveries.id, sql.placeholder('id')), eq(webhookDeliveries.webhook_id, sql.placeholder('webhook')));
  const redeliver = db
    .update(webhookDeliveries)
    .set({ status: 'pending', attempts: 0, next_attempt_at: sql`${sql.placeholder('now')}`, claim: null, error: null })
    // Not while an attempt is in flight: a second dispatcher would claim it and send it again beside the first.
    .where(and(deliveryOfWebhook, isNull(webhookDeliveries.claim)))
    .returning(deliveryColumns)
    .prepare();
  const oneDelivery = db.select(deliveryColumns).from(webhookDeliveries).where(deliveryOfWebhook).prepare();

  return {
    /** Inside the transaction that appended `event` to the change feed: a pending delivery for each webhook it matches. */
    enqueue(event: Change) {
      insertDeliveries.run({ seq: event.seq, resource: event.resource, action: event.action, now: clock() });
    },
    list(): Webhook[] {
      return all.all();
    },
    find(id: string): Webhook | null {
      return one.get({ id }) ?? null;
    },
    /** A new webhook and its secret, the one time the secret leaves the store. */
    create(input: WebhookInput): Webhook & { secret: string } {
      const stored = total.get()?.n ?? 0;
      if (stored >= maxWebhooks) throw new KhabarError('limit_reached', `${stored} webhooks are stored, the most allowed; delete one first`);
      const at = now();
      const row = { id: newId(), ...input, secret: newSecret(), created_at: at, updated_at: at };
      db.insert(webhooks).values(row).run();
      return row;
    },
    update(id: string, patch: Partial<WebhookInput>): Webhook | null {
      const [row] = db
        .update(webhooks)
        .set({ ...patch, updated_at: now() })
        .where(eq(webhooks.id, id))
        .returning(publicColumns)
        .all();
      return row ?? null;
    },
    /** Deletes the webhook and its deliveries; false when there was none. */
    remove(id: string): boolean {
      return db.delete(webhooks).where(eq(webhooks.id, id)).run().changes > 0;
    },
    /**
     * Deletes at most `batch` deliveries settled (succeeded or failed) before `before`, oldest first; the number
     * deleted (0: none is that old). Reads first, so a process with nothing to delete never takes the write lock.
     */
    pruneSettled(before: string, batch: number): number {
      if (!firstSettledBefore.get({ before, limit: 1 })) return 0;
      return deleteSettledBefore.run({ before, limit: batch }).changes;
    },
    /**
     * Makes a delivery pending and due now, with its attempts counted from 0 again; one being sent right now is left
     * to that attempt, as it is. Null when the webhook has no such delivery.
     */
    redeliver(webhookId: string, id: number): Delivery | null {
      const [row] = redeliver.all({ id, webhook: webhookId, now: clock() });
      const found = row ?? oneDelivery.get({ id, webhook: webhookId });
      return found ? deliveryOf(found) : null;
    },
  };
}
