import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { ChangeAction } from '../changes/table.js';
import type { ResourceName } from '../resources/registry.js';

/** A subscription: where the change feed's events of some resources and actions are sent, and the key that signs them. */
export const webhooks = sqliteTable('webhooks', {
  id: text().primaryKey(),
  url: text().notNull(),
  /** `whsec_` and the key in base64: what signs every delivery (it has to be kept to sign; it is never read back out). */
  secret: text().notNull(),
  /** The resource names and the actions it receives, as JSON arrays (a handful of short names each). */
  resources: text({ mode: 'json' }).$type<ResourceName[]>().notNull(),
  actions: text({ mode: 'json' }).$type<ChangeAction[]>().notNull(),
  created_at: text().notNull(),
  updated_at: text().notNull(),
});

export const deliveryStatuses = ['pending', 'succeeded', 'failed'] as const;

/**
 * The outbox: one row per event per matching webhook, inserted in the change's transaction, so a committed
 * change has its deliveries and a rolled-back one has none. The event itself is the feed's row (`seq`), read
 * when the delivery is sent. `next_attempt_at` (ms since the epoch) is when a pending delivery is due; a
 * dispatcher that claims one moves it to the end of its lease and writes its `claim`, so a process that dies
 * mid-send leaves it due again when the lease runs out.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    webhook_id: text()
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    seq: integer().notNull(),
    status: text({ enum: deliveryStatuses }).notNull(),
    attempts: integer().notNull(),
    next_attempt_at: integer(),
    claim: text(),
    last_attempt_at: text(),
    /** The receiver's HTTP status on the last attempt; null when it gave none (refused, timed out). */
    response_status: integer(),
    error: text(),
  },
  (t) => [
    index('webhook_deliveries_webhook').on(t.webhook_id, t.id),
    index('webhook_deliveries_due').on(t.next_attempt_at).where(sql`${t.status} = 'pending'`),
    // Settled deliveries by age: what the retention job deletes, oldest first.
    index('webhook_deliveries_settled').on(t.last_attempt_at).where(sql`${t.status} <> 'pending'`),
  ],
);
