import t from 'tap';
import { failureBudget } from '../../src/web/http/failure-budget.js';
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

t.test('IPv6 clients are counted by their /64: rotating the rest of the address does not make a new client', async (t) => {
  const app = await build(t, { authFailureRateLimitMax: 2 });
  t.equal((await app.inject(post(wrong, 'a', '2001:db8:1:2::1'))).statusCode, 401);
  t.equal((await app.inject(post(wrong, 'b', '2001:DB8:1:2:ffff:ffff:ffff:fffe'))).statusCode, 401, 'another spelling, the same /64');
  t.equal((await app.inject(post(auth, 'c', '2001:db8:1:2:1234::9'))).statusCode, 429, 'a third address in the /64 is refused');
  t.equal((await app.inject(post(auth, 'd', '2001:db8:1:3::1'))).statusCode, 201, 'the next /64 is another client');
  t.equal((await app.inject(post(wrong, 'e', '::ffff:10.0.0.1'))).statusCode, 401, 'an IPv4-mapped address is its IPv4 address...');
  t.equal((await app.inject(post(wrong, 'f', '::ffff:10.0.0.1'))).statusCode, 401);
  t.equal((await app.inject(post(wrong, 'g', '10.0.0.1'))).statusCode, 429, '...and the same client as that address');
  t.equal((await app.inject(post(auth, 'h', '::ffff:10.0.0.2'))).statusCode, 201, 'not one /64 for every IPv4 client');
});

t.test('the failure budget: charged per key, forgotten after its window', async (t) => {
  let clock = 0;
  const budget = failureBudget({ max: 2, windowMs: 10_000, now: () => clock });
  budget.charge('a');
  t.equal(budget.refusal('a'), null, 'one failure of two');
  budget.charge('a');
  t.same(budget.refusal('a'), { retryAfterSeconds: 10, tableFull: false }, 'two: wait for the window');
  clock = 9_001;
  t.same(budget.refusal('a'), { retryAfterSeconds: 1, tableFull: false }, 'rounded up to whole seconds');
  clock = 10_000;
  t.equal(budget.refusal('a'), null, 'the window is over');
  budget.charge('a');
  clock = 15_000;
  budget.charge('a');
  t.same(budget.refusal('a'), { retryAfterSeconds: 10, tableFull: false }, 'blocked for a whole window from the failure that reached the limit');
});

t.test('the failure budget is bounded in keys, and a blocked key is never forgotten to make room', async (t) => {
  let clock = 0;
  const budget = failureBudget({ max: 2, windowMs: 10_000, maxKeys: 3, now: () => clock });
  budget.charge('blocked');
  budget.charge('blocked');
  for (const key of ['a', 'b', 'c', 'd']) budget.charge(key);
  t.same(budget.refusal('blocked'), { retryAfterSeconds: 10, tableFull: false }, 'four new keys did not flush the blocked one');
  clock = 2_000;
  budget.charge('a');
  t.equal(budget.refusal('a'), null, 'the oldest counting key was forgotten instead: its failure starts a new count');
  budget.charge('d');
  t.same(budget.refusal('d'), { retryAfterSeconds: 10, tableFull: false }, 'a counting key still in the table keeps its count');
  budget.charge('a');
  t.same(budget.refusal('a'), { retryAfterSeconds: 10, tableFull: false });
  clock = 3_000;
  t.same(budget.refusal('new'), { retryAfterSeconds: 7, tableFull: true }, 'every slot blocked: a new key is refused until the first block ends');
  clock = 10_000;
  t.equal(budget.refusal('new'), null, 'the first block ended: room for a new key');
  t.same(budget.refusal('d'), { retryAfterSeconds: 2, tableFull: false }, 'the other blocks go on');
});
