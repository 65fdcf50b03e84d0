/** How many failures a key may have per window; 0 turns the budget off. */
export interface FailureBudgetOptions {
  max: number;
  windowMs: number;
  /** Keys held at once; past it the oldest window is forgotten, so memory stays bounded whatever the key space. */
  maxKeys?: number;
  now?: () => number;
}

interface Window {
  failures: number;
  resetAt: number;
}

/**
 * Failures counted per key (a client address) in fixed windows. Unlike @fastify/rate-limit, which counts every
 * request it sees, the budget is looked at before the attempt and charged only when the attempt fails, so a
 * client over it is refused before its next guess is even checked.
 */
export function failureBudget({ max, windowMs, maxKeys = 10_000, now = Date.now }: FailureBudgetOptions) {
  const windows = new Map<string, Window>();
  const current = (key: string): Window | undefined => {
    const window = windows.get(key);
    if (window && window.resetAt <= now()) windows.delete(key);
    return windows.get(key);
  };
  return {
    /** Whole seconds until `key` may try again; 0 while it is within its budget. */
    retryAfterSeconds(key: string): number {
      const window = current(key);
      if (max === 0 || !window || window.failures < max) return 0;
      return Math.max(1, Math.ceil((window.resetAt - now()) / 1000));
    },
    charge(key: string): void {
      if (max === 0) return;
      const window = current(key) ?? { failures: 0, resetAt: now() + windowMs };
      window.failures += 1;
      windows.set(key, window);
      if (windows.size > maxKeys) windows.delete(windows.keys().next().value!);
    },
  };
}
