import { and, asc, count, eq, isNull, lt, sql } from 'drizzle-orm';
import { newId, now } from '../db/ids.js';
import { insertRow, type ReadsThenWrite, type StatementExecutor, statement, unqualified } from '../db/statements.js';
import { KhabarError } from '../errors.js';
import { deliveryColumns, deliveryOf } from './deliveries.js';
import { type Delivery, maxWebhooks, type Webhook, type WebhookInput } from './schemas.js';
import { newSecret } from './signing.js';
import { webhookDeliveries, webhooks } from './table.js';

/*
 * The webhooks an admin keeps and the deliveries it may send again or that age out, written once for either engine
 * (docs/postgresql.md, step 2): reads on a read executor, writes in a write's transaction on its `tx`.
 */

const publicColumns = { id: webhooks.id, url: webhooks.url, resources: webhooks.resources, actions: webhooks.actions, created_at: webhooks.created_at, updated_at: webhooks.updated_at };

const all = statement.select(publicColumns).from(webhooks).orderBy(asc(webhooks.id));
const one = statement
  .select(publicColumns)
  .from(webhooks)
  .where(eq(webhooks.id, sql.placeholder('id')));
const total = statement.select({ n: count() }).from(webhooks);
const insert = insertRow(webhooks, ['id', 'url', 'secret', 'resources', 'actions', 'created_at', 'updated_at']);
// A field the patch leaves out is bound as null and keeps its value: no field of a webhook is nullable.
const update = sql`update ${webhooks} set ${unqualified(webhooks.url)} = coalesce(${sql.placeholder('url')}, ${unqualified(webhooks.url)}),
  ${unqualified(webhooks.resources)} = coalesce(${sql.placeholder('resources')}, ${unqualified(webhooks.resources)}), ${unqualified(webhooks.actions)} = coalesce(${sql.placeholder('actions')}, ${unqualified(webhooks.actions)}),
  ${unqualified(webhooks.updated_at)} = ${sql.placeholder('at')} where ${eq(webhooks.id, sql.placeholder('id'))}`;
const remove = sql`delete from ${webhooks} where ${eq(webhooks.id, sql.placeholder('id'))}`;

const settledBefore = statement
  .select({ id: webhookDeliveries.id })
  .from(webhookDeliveries)
  .where(and(sql`${webhookDeliveries.status} <> 'pending'`, lt(webhookDeliveries.last_attempt_at, sql.placeholder('before'))))
  .orderBy(asc(webhookDeliveries.last_attempt_at))
  .limit(sql.placeholder('limit'));
const deleteSettledBefore = sql`delete from ${webhookDeliveries} where ${webhookDeliveries.id} in (${settledBefore})`;
const deliveryOfWebhook = and(eq(webhookDeliveries.id, sql.placeholder('id')), eq(webhookDeliveries.webhook_id, sql.placeholder('webhook')));
// Not while an attempt is in flight: a second dispatcher would claim it and send it again beside the first.
const redeliver = sql`update ${webhookDeliveries} set ${unqualified(webhookDeliveries.status)} = 'pending', ${unqualified(webhookDeliveries.attempts)} = 0, ${unqualified(webhookDeliveries.next_attempt_at)} = ${sql.placeholder('now')},
  ${unqualified(webhookDeliveries.claim)} = null, ${unqualified(webhookDeliveries.error)} = null where ${and(deliveryOfWebhook, isNull(webhookDeliveries.claim))}`;
const oneDelivery = statement.select(deliveryColumns).from(webhookDeliveries).where(deliveryOfWebhook);

/** A patch's JSON list as its text, null when left out (a JSON column's own mapping would bind null as the text `null`). */
const jsonOrNull = (list: readonly string[] | undefined) => (list === undefined ? null : JSON.stringify(list));

/** The webhooks as their admin reads them (never their secrets), on a read executor. */
export function webhookReads(reads: StatementExecutor) {
  const listed = reads.prepare(all);
  const found = reads.prepare(one);
  return {
    list: (): Promise<Webhook[]> => listed.all(),
    find: async (id: string): Promise<Webhook | null> => (await found.get({ id })) ?? null,
  };
}

/** A new webhook and its secret, the one time the secret leaves the store; refused past `maxWebhooks`. */
export async function createWebhook(tx: StatementExecutor, input: WebhookInput): Promise<Webhook & { secret: string }> {
  const stored = (await tx.prepare(total).get())?.n ?? 0;
  if (stored >= maxWebhooks) throw new KhabarError('limit_reached', `${stored} webhooks are stored, the most allowed; delete one first`);
  const at = now();
  const row = { id: newId(), ...input, secret: newSecret(), created_at: at, updated_at: at };
  await tx.prepare(insert).run(row);
  return row;
}

/** The webhook with the patch's fields changed; null when there is none. */
export async function updateWebhook(tx: StatementExecutor, id: string, patch: Partial<WebhookInput>): Promise<Webhook | null> {
  const { changes } = await tx.prepare(update).run({ id, url: patch.url ?? null, resources: jsonOrNull(patch.resources), actions: jsonOrNull(patch.actions), at: now() });
  return changes === 0 ? null : ((await tx.prepare(one).get({ id })) ?? null);
}

/** Deletes the webhook and its deliveries; false when there was none. */
export async function removeWebhook(tx: StatementExecutor, id: string): Promise<boolean> {
  return (await tx.prepare(remove).run({ id })).changes > 0;
}

/**
 * Makes a delivery pending and due at `at` (ms since the epoch), with its attempts counted from 0 again; one being
 * sent right now is left to that attempt, as it is. Null when the webhook has no such delivery.
 */
export async function redeliverDelivery(tx: StatementExecutor, webhookId: string, id: number, at: number): Promise<Delivery | null> {
  await tx.prepare(redeliver).run({ id, webhook: webhookId, now: at });
  const found = await tx.prepare(oneDelivery).get({ id, webhook: webhookId });
  return found ? deliveryOf(found) : null;
}

/**
 * Deletes at most `batch` deliveries settled (succeeded or failed) before `before`, oldest first, in one write; the
 * number deleted (0: none is that old). Reads first on `reads`, so a process with nothing to delete takes no write lock.
 */
export async function pruneSettledDeliveries({ reads, write }: ReadsThenWrite, before: string, batch: number): Promise<number> {
  if (!(await reads.prepare(settledBefore).get({ before, limit: 1 }))) return 0;
  return write(async (tx) => (await tx.prepare(deleteSettledBefore).run({ before, limit: batch })).changes);
}
