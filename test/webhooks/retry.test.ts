import t from 'tap';
import { retryDelay } from '../../src/core/webhooks/dispatcher.js';

const limits = { retryBaseMs: 1000, retryMaxMs: 10_000 };

t.test('the wait doubles per failed attempt up to the cap, and jitter takes it down to half', async (t) => {
  // Written out by hand: 1 s, 2 s, 4 s, 8 s, then the 10 s cap; the random factor maps [0, 1) onto [0.5, 1).
  const full = [1000, 2000, 4000, 8000, 10_000, 10_000];
  full.forEach((ms, i) => {
    t.equal(
      retryDelay(i + 1, limits, () => 0),
      ms / 2,
      `attempt ${i + 1}, least jitter: ${ms / 2} ms`,
    );
    t.equal(
      retryDelay(i + 1, limits, () => 0.5),
      (ms * 3) / 4,
      `attempt ${i + 1}, middle: ${(ms * 3) / 4} ms`,
    );
  });
  t.equal(
    retryDelay(50, limits, () => 0.999),
    9995,
    'a late attempt stays under the cap',
  );
});
