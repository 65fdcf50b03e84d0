/** How many failures a key may have per window; 0 turns the budget off. */
export interface FailureBudgetOptions {
  max: number;
  windowMs: number;
  /** Keys held at once, so memory stays bounded whatever the key space. */
  maxKeys?: number;
  now?: () => number;
}

interface Window {
  failures: number;
  resetAt: number;
}

/** Why an attempt is refused before it is checked, and for how long. */
export interface Refusal {
  retryAfterSeconds: number;
  /** The key itself is within its budget, but every slot is held by a blocked key: its failure could not be counted. */
  tableFull: boolean;
}

/**
 * Failures counted per key (a client) in fixed windows. Unlike @fastify/rate-limit, which counts every
 * request it sees, the budget is looked at before the attempt and charged only when the attempt fails, so a
 * client over it is refused before its next guess is even checked. A key that reaches `max` is blocked for
 * `windowMs` from then.
 */
export function failureBudget({ max, windowMs, maxKeys = 10_000, now = Date.now }: FailureBudgetOptions) {
  // Both maps are in order of expiry, so expired entries are dropped from the front. A counting key may be
  // forgotten to make room; a blocked key never is, or its client could flush it by failing from new keys.
  const counting = new Map<string, Window>();
  const blocked = new Map<string, number>();
  const dropExpired = (): void => {
    const time = now();
    for (const [key, until] of blocked) {
      if (until > time) break;
      blocked.delete(key);
    }
    for (const [key, window] of counting) {
      if (window.resetAt > time) break;
      counting.delete(key);
    }
  };
  const seconds = (until: number) => Math.max(1, Math.ceil((until - now()) / 1000));
  const full = () => counting.size + blocked.size >= maxKeys;
  return {
    /** Why `key` may not try now, or null while it is within its budget. */
    refusal(key: string): Refusal | null {
      if (max === 0) return null;
      dropExpired();
      const until = blocked.get(key);
      if (until !== undefined) return { retryAfterSeconds: seconds(until), tableFull: false };
      if (counting.size > 0) return null;
      // Every slot holds a blocked key: a new key waits for the first of them to expire.
      const [earliest] = blocked.values();
      if (earliest === undefined || blocked.size < maxKeys) return null;
      return { retryAfterSeconds: seconds(earliest), tableFull: true };
    },
    charge(key: string): void {
      if (max === 0) return;
      dropExpired();
      let window = counting.get(key);
      if (!window) {
        if (full()) {
          const oldest = counting.keys().next();
          if (oldest.done) return;
          counting.delete(oldest.value);
        }
        window = { failures: 0, resetAt: now() + windowMs };
        counting.set(key, window);
      }
      window.failures += 1;
      if (window.failures < max) return;
      counting.delete(key);
      blocked.set(key, now() + windowMs);
    },
  };
}
