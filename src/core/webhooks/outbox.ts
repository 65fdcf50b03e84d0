import { randomUUID } from 'node:crypto';
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import type { Change } from '../changes/schemas.js';
import { changes } from '../changes/table.js';
import { perDialect } from '../db/dialect.js';
import { now } from '../db/ids.js';
import { type StatementExecutor, statement, unqualified } from '../db/statements.js';
import { webhookDeliveries, webhooks } from './table.js';

/*
 * The outbox, written once for either engine (docs/postgresql.md, step 2): a change's deliveries are queued in the
 * change's transaction, and the dispatcher's claims and settlements run on a write's executor (`tx`: group commit's
 * on SQLite, `postgresWrite`'s on PostgreSQL); the check for due deliveries on a read executor, so an idle
 * dispatcher takes no write lock.
 */

/** A delivery a dispatcher has claimed: what it sends, and the claim that lets it record the outcome. */
export interface ClaimedDelivery {
  id: number;
  claim: string;
  /** Attempts made before this one. */
  attempts: number;
  url: string;
  secret: string;
  event: Change;
}

/** What an attempt came to: the next state of the delivery. */
export interface Settlement {
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  /** When a pending delivery is due again (ms since the epoch); null once it is done. */
  nextAttemptAt: number | null;
  responseStatus: number | null;
  error: string | null;
}

const d = webhookDeliveries;
// Written out, not bound: SQLite uses the partial index of due deliveries only when the query states its condition.
const isPending = sql`${d.status} = 'pending'`;
const isDue = and(isPending, lte(d.next_attempt_at, sql.placeholder('now')));

/**
 * A pending delivery, due at once, for each webhook whose resources and actions hold the change's. The id is left
 * out: SQLite numbers it, PostgreSQL's identity column takes its default. Spelled per engine (its JSON lists).
 */
const queueDeliveries = perDialect(
  (dialect) =>
    sql`insert into ${d} (${unqualified(d.webhook_id)}, ${unqualified(d.seq)}, ${unqualified(d.status)}, ${unqualified(d.attempts)}, ${unqualified(d.next_attempt_at)})
    select ${webhooks.id}, ${sql.placeholder('seq')}, 'pending', 0, ${sql.placeholder('now')} from ${webhooks}
    where ${sql.placeholder('resource')} in ${dialect.inList(webhooks.resources)} and ${sql.placeholder('action')} in ${dialect.inList(webhooks.actions)}`,
);

// The partial index of pending deliveries, walked from its first entry.
const earliestPending = statement.select({ at: d.next_attempt_at }).from(d).where(isPending).orderBy(asc(d.next_attempt_at)).limit(1);
// A claim moves the delivery's due time to the end of its lease: a process that dies holding it leaves it due then.
// Nodes claiming at once on PostgreSQL each take other deliveries (`skipLocked`), so a delivery is sent once.
const claimDue = perDialect(
  (dialect) => sql<{ id: number }>`update ${d} set ${unqualified(d.claim)} = ${sql.placeholder('claim')}, ${unqualified(d.next_attempt_at)} = ${sql.placeholder('until')}
  where ${d.id} in (${statement.select({ id: d.id }).from(d).where(isDue).orderBy(asc(d.next_attempt_at), asc(d.id)).limit(sql.placeholder('limit'))} ${dialect.skipLocked})
  returning ${unqualified(d.id)}`,
);
const message = statement
  .select({
    attempts: d.attempts,
    url: webhooks.url,
    secret: webhooks.secret,
    event: { seq: changes.seq, resource: changes.resource, id: changes.record_id, action: changes.action, version: changes.version, at: changes.at },
  })
  .from(d)
  .innerJoin(webhooks, eq(webhooks.id, d.webhook_id))
  .innerJoin(changes, eq(changes.seq, d.seq))
  .where(eq(d.id, sql.placeholder('id')));
const claimed = sql`${d.id} = ${sql.placeholder('id')} and ${d.claim} = ${sql.placeholder('claim')}`;
const settle = sql`update ${d} set ${unqualified(d.status)} = ${sql.placeholder('status')}, ${unqualified(d.attempts)} = ${sql.placeholder('attempts')},
  ${unqualified(d.next_attempt_at)} = ${sql.placeholder('next')}, ${unqualified(d.claim)} = null, ${unqualified(d.last_attempt_at)} = ${sql.placeholder('at')},
  ${unqualified(d.response_status)} = ${sql.placeholder('response')}, ${unqualified(d.error)} = ${sql.placeholder('error')}
  where ${claimed}`;
const release = sql`update ${d} set ${unqualified(d.claim)} = null, ${unqualified(d.next_attempt_at)} = ${sql.placeholder('now')} where ${claimed}`;

/**
 * When the earliest pending delivery is due (ms since the epoch; a claimed one at its lease's end), null when none is
 * pending: read first, so that a dispatcher with nothing to send takes no write lock, and knows when to look again.
 */
export async function nextDue(reads: StatementExecutor): Promise<number | null> {
  return (await reads.prepare(earliestPending).get())?.at ?? null;
}

/** In the transaction that appended `change` to the feed: a pending delivery, due at `at`, for each webhook it matches. */
export async function enqueueDeliveries(tx: StatementExecutor, change: Pick<Change, 'seq' | 'resource' | 'action'>, at: number): Promise<void> {
  await tx.prepare(queueDeliveries(tx.dialect)).run({ seq: change.seq, resource: change.resource, action: change.action, now: at });
}

/** Up to `limit` due deliveries, each claimed until `leaseUntil`, in a write's transaction. */
export async function claimDeliveries(tx: StatementExecutor, limit: number, at: number, leaseUntil: number): Promise<ClaimedDelivery[]> {
  if (limit < 1) return [];
  const claim = randomUUID();
  const ids = await tx.prepare(claimDue(tx.dialect)).all({ claim, until: leaseUntil, now: at, limit });
  const read = tx.prepare(message);
  const deliveries: ClaimedDelivery[] = [];
  for (const { id } of ids) {
    const row = await read.get({ id });
    if (row) deliveries.push({ id, claim, ...row });
  }
  return deliveries;
}

/** Records an attempt's outcome, unless the claim was lost (its lease ran out, or it was redelivered). */
export async function settleDelivery(tx: StatementExecutor, delivery: ClaimedDelivery, outcome: Settlement): Promise<boolean> {
  const { changes: settled } = await tx.prepare(settle).run({
    id: delivery.id,
    claim: delivery.claim,
    status: outcome.status,
    attempts: outcome.attempts,
    next: outcome.nextAttemptAt,
    at: now(),
    response: outcome.responseStatus,
    error: outcome.error,
  });
  return settled > 0;
}

/** Gives a claimed delivery back, due at `at`, for whichever dispatcher looks next (at shutdown). */
export async function releaseDelivery(tx: StatementExecutor, delivery: ClaimedDelivery, at: number): Promise<void> {
  await tx.prepare(release).run({ id: delivery.id, claim: delivery.claim, now: at });
}
