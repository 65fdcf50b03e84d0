import type { WebhookLimits } from '../config.js';
import { idleWaits } from '../db/background-loop.js';
import { type CommitNotices, noCommitNotices } from '../db/commit-notices.js';
import { messageOf } from '../errors.js';
import type { ClaimedDelivery, Settlement } from './outbox.js';
import type { Sender } from './sender.js';
import { signature } from './signing.js';

type RetryLimits = Pick<WebhookLimits, 'retryBaseMs' | 'retryMaxMs'>;

/**
 * The wait after failed attempt `attempt` (1, 2, …): the base doubled per attempt up to the cap, then scaled
 * by a random factor in [0.5, 1) so that receivers coming back from an outage are not hit by every retry at once.
 */
export function retryDelay(attempt: number, { retryBaseMs, retryMaxMs }: RetryLimits, random: () => number): number {
  const exponential = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(exponential * (0.5 + random() / 2));
}

/** The JSON a receiver gets: the event's type, when it happened, and the change feed's event. */
const deliveryBody = (delivery: ClaimedDelivery): string => JSON.stringify({ type: `${delivery.event.resource}.${delivery.event.action}`, timestamp: delivery.event.at, data: delivery.event });

/** What the dispatcher asks of the outbox (core/webhooks/outbox.ts), each a write of its own. */
export interface DispatchStore {
  /** When the earliest pending delivery is due (ms since the epoch), null when none is: read before a claim. */
  nextDue(): Promise<number | null>;
  /** Up to `limit` due deliveries, each claimed until `leaseUntil`. */
  claim(limit: number, at: number, leaseUntil: number): Promise<ClaimedDelivery[]>;
  /** Records an attempt's outcome; false when the claim was lost. */
  settle(delivery: ClaimedDelivery, outcome: Settlement): Promise<boolean>;
  /** Gives a claimed delivery back, due at `at`. */
  release(delivery: ClaimedDelivery, at: number): Promise<void>;
}

interface DispatcherOptions {
  store: DispatchStore;
  send: Sender;
  limits: Omit<WebhookLimits, 'allowPrivate' | 'retentionDays'>;
  onError(error: unknown): void;
  /** A claim, or a delivery settled or given back, that did not throw: a dispatcher that was failing has recovered. */
  onSuccess?(): void;
  /** Commits told as they happen: an idle dispatcher then looks after one (a write may have queued deliveries), not every `pollMs`. */
  notices?: CommitNotices;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  random?: () => number;
}

/**
 * Sends due deliveries in the background of a server process, at most `concurrency` at once, outside any
 * write's transaction: a write only inserts its deliveries, so a slow receiver slows no write. A claim's
 * lease outlasts an attempt (its timeout), so no other process sends the delivery while it is in flight; a
 * process that dies mid-send leaves it to be claimed again when the lease ends (a receiver may then see it
 * twice, with one `Webhook-Id`). Each attempt is signed at its own time. One claim runs at a time: a turn asked
 * for while one is under way runs after it, so the free slots it counts are still free.
 */
export function runDispatcher({ store, send, limits, onError, onSuccess, notices = noCommitNotices, clock = Date.now, random = Math.random }: DispatcherOptions) {
  const leaseMs = 2 * limits.timeoutMs + 1000;
  const inFlight = new Map<number, { abort: AbortController; done: Promise<void> }>();
  let underway: Promise<void> | null = null;
  let askedDuringTurn = false;
  const waits = idleWaits(notices, limits.pollMs, next);

  function next() {
    if (underway !== null) {
      askedDuringTurn = true;
      return;
    }
    underway = turn().finally(() => {
      underway = null;
      if (askedDuringTurn) {
        askedDuringTurn = false;
        waits.now();
      }
    });
  }

  function outcome(delivery: ClaimedDelivery, status: number | null, error: string | null, at: number): Settlement {
    const attempts = delivery.attempts + 1;
    if (error === null) return { status: 'succeeded', attempts, nextAttemptAt: null, responseStatus: status, error };
    const givenUp = attempts >= limits.maxAttempts;
    return { status: givenUp ? 'failed' : 'pending', attempts, nextAttemptAt: givenUp ? null : at + retryDelay(attempts, limits, random), responseStatus: status, error };
  }

  async function attempt(delivery: ClaimedDelivery, abort: AbortController) {
    const id = String(delivery.id);
    const timestamp = Math.floor(clock() / 1000);
    const body = deliveryBody(delivery);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'khabar-webhooks',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature(delivery.secret, id, timestamp, body),
    };
    // A sender that throws (a URL it cannot parse) is a failed attempt like any other, retried later, not a rejection
    // no one awaits that would keep the delivery's slot.
    const result = await send({ url: delivery.url, headers, body }, abort.signal).catch((error: unknown) => ({ status: null, error: messageOf(error) }));
    try {
      // An attempt cut short by shutdown is no attempt: the delivery is given back, due now, for whichever process looks next.
      if (abort.signal.aborted) await store.release(delivery, clock());
      else await store.settle(delivery, outcome(delivery, result.status, result.error, clock()));
      onSuccess?.();
    } catch (error) {
      onError(error);
    }
    inFlight.delete(delivery.id);
    waits.now();
  }

  function start(delivery: ClaimedDelivery) {
    const abort = new AbortController();
    inFlight.set(delivery.id, { abort, done: attempt(delivery, abort) });
  }

  async function turn() {
    try {
      const free = limits.concurrency - inFlight.size;
      const at = clock();
      const due = await store.nextDue();
      const claiming = due !== null && due <= at;
      const claimed = claiming ? await store.claim(free, at, at + leaseMs) : [];
      for (const delivery of claimed) start(delivery);
      // Only a write that went through ends an outage: a look that finds nothing due also passes while writes fail.
      if (claiming) onSuccess?.();
      // A full claim may have left more due: look again at once; else when a send ends, a commit is told, the poll
      // comes round, or the earliest pending delivery (a retry, a lease another process let run out) comes due.
      if (claimed.length > 0 && claimed.length === free) waits.now();
      else waits.rest(due === null || due <= at ? undefined : due - at);
    } catch (error) {
      onError(error);
      waits.rest(limits.pollMs);
    }
  }

  waits.now();
  return {
    /** Stops claiming, waits for a claim under way, and aborts the attempts in flight; resolves when each has given its delivery back. */
    async stop() {
      waits.stop();
      await underway;
      const held = [...inFlight.values()];
      for (const { abort } of held) abort.abort();
      await Promise.all(held.map(({ done }) => done));
    },
  };
}
