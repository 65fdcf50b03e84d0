import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { type StatementExecutor, statement } from '../db/statements.js';
import type { Delivery } from './schemas.js';
import { webhookDeliveries } from './table.js';

export interface DeliveryPage {
  rows: Delivery[];
  /** The id the next page starts below; null on the last page. */
  next: number | null;
}

/** A delivery's columns as the admin sees them (not its claim). */
export const deliveryColumns = {
  id: webhookDeliveries.id,
  seq: webhookDeliveries.seq,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  next_attempt_at: webhookDeliveries.next_attempt_at,
  last_attempt_at: webhookDeliveries.last_attempt_at,
  response_status: webhookDeliveries.response_status,
  error: webhookDeliveries.error,
};

type DeliveryRow = Omit<Delivery, 'next_attempt_at'> & { next_attempt_at: number | null };

export const deliveryOf = (row: DeliveryRow): Delivery => ({ ...row, next_attempt_at: row.next_attempt_at === null ? null : new Date(row.next_attempt_at).toISOString() });

const newestBelow = statement
  .select(deliveryColumns)
  .from(webhookDeliveries)
  .where(and(eq(webhookDeliveries.webhook_id, sql.placeholder('webhook')), lt(webhookDeliveries.id, sql.placeholder('below'))))
  .orderBy(desc(webhookDeliveries.id))
  .limit(sql.placeholder('limit'));

/** A webhook's deliveries as its admin lists them, on either engine (core/webhooks/store.ts queues and settles them). */
export function deliveryListing(statements: StatementExecutor) {
  const page = statements.prepare(newestBelow);
  return {
    /** A webhook's deliveries, newest first, below the id `below`. */
    async deliveries(webhookId: string, limit: number, below = Number.MAX_SAFE_INTEGER): Promise<DeliveryPage> {
      const rows = await page.all({ webhook: webhookId, below, limit: limit + 1 });
      const listed = rows.slice(0, limit).map(deliveryOf);
      return { rows: listed, next: rows.length > limit ? (listed.at(-1)?.id ?? null) : null };
    },
  };
}
