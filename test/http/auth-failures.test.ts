import t from 'tap';
import { failureBudget } from '../../src/http/failure-budget.js';
import { auth, body, build } from '../helper.js';

const organisation = (slug: string) => ({ slug, name: slug, kind: 'other' });
const post = (headers: Record<string, string>, slug: string, remoteAddress = '127.0.0.1') => ({
  method: 'POST' as const,
  url: '/v1/organisations',
  headers: { ...headers, 'content-type': 'application/json' },
  payload: organisation(slug),
  remoteAddress,
});
const wrong = { authorization: 'Bearer wrong-token-0123456789' };

t.test('failed authentications are limited per client address: 429 with Retry-After, even for the right token', async (t) => {
  const app = await build(t, { authFailureRateLimitMax: 3, rateLimitWindowSeconds: 60 });
  const total = async () => body(await app.inject({ url: '/v1/organisations', remoteAddress: '10.9.9.9' })).meta.total as number;
  const before = await total();
  for (let i = 0; i < 3; i++) {
    const refused = await app.inject(post(wrong, `guess-${i}`));
    t.equal(refused.statusCode, 401, `guess ${i + 1} of the budget: 401`);
  }
  const blocked = await app.inject(post(auth, 'right-token'));
  t.equal(blocked.statusCode, 429, 'over the budget, not even the right token is checked: a guess cannot be confirmed');
  t.match(blocked.headers['content-type'], /^application\/problem\+json/);
  t.match(body(blocked), { code: 'too_many_requests', detail: /failed authentications/ });
  const retryAfter = Number(blocked.headers['retry-after']);
  t.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter} s is within the window`);
  t.equal((await app.inject(post(wrong, 'more'))).statusCode, 429, 'further guesses too');
  t.equal((await app.inject({ url: '/v1/organisations' })).statusCode, 200, 'reads from the address are not affected');
  t.equal((await app.inject(post(auth, 'elsewhere', '10.0.0.9'))).statusCode, 201, 'another address has its own budget');
  t.equal(await total(), before + 1, 'only the write from the other address was stored');
});

t.test('the budget is per window: after it, the address may try again', async (t) => {
  const app = await build(t, { authFailureRateLimitMax: 1, rateLimitWindowSeconds: 1 });
  t.equal((await app.inject(post(wrong, 'a'))).statusCode, 401);
  t.equal((await app.inject(post(auth, 'b'))).statusCode, 429);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  t.equal((await app.inject(post(auth, 'c'))).statusCode, 201, 'a new window');
});

t.test('successful writes do not use up the failure budget; 0 turns it off', async (t) => {
  const app = await build(t, { authFailureRateLimitMax: 1 });
  for (let i = 0; i < 3; i++) t.equal((await app.inject(post(auth, `ok-${i}`))).statusCode, 201);
  const off = await build(t, { authFailureRateLimitMax: 0 });
  for (let i = 0; i < 20; i++) t.equal((await off.inject(post(wrong, `x-${i}`))).statusCode, 401);
});

t.test('WWW-Authenticate says invalid_token when a sent token was refused (RFC 6750)', async (t) => {
  const app = await build(t);
  const cases: Array<[Record<string, string>, string]> = [
    [{}, 'Bearer realm="khabar"'],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, 'Bearer realm="khabar"'],
    [{ authorization: 'Bearer' }, 'Bearer realm="khabar", error="invalid_request"'],
    [{ authorization: 'Bearer two words' }, 'Bearer realm="khabar", error="invalid_request"'],
    [wrong, 'Bearer realm="khabar", error="invalid_token"'],
  ];
  for (const [headers, challenge] of cases) {
    const response = await app.inject(post(headers, 'z'));
    t.equal(response.statusCode, 401, JSON.stringify(headers));
    t.equal(response.headers['www-authenticate'], challenge);
  }
});

t.test('the failure budget: charged per key, forgotten after its window, bounded in keys', async (t) => {
  let clock = 0;
  const budget = failureBudget({ max: 2, windowMs: 10_000, maxKeys: 2, now: () => clock });
  budget.charge('a');
  t.equal(budget.retryAfterSeconds('a'), 0, 'one failure of two');
  budget.charge('a');
  t.equal(budget.retryAfterSeconds('a'), 10, 'two: wait for the window');
  clock = 9_001;
  t.equal(budget.retryAfterSeconds('a'), 1, 'rounded up to whole seconds');
  clock = 10_000;
  t.equal(budget.retryAfterSeconds('a'), 0, 'the window is over');
  budget.charge('a');
  budget.charge('a');
  budget.charge('b');
  budget.charge('c');
  t.equal(budget.retryAfterSeconds('a'), 0, 'a third key pushed out the oldest');
  budget.charge('c');
  t.equal(budget.retryAfterSeconds('c'), 10);
});
