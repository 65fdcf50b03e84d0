import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import type { Config } from '../../src/core/config.js';
import { build, buildUnready } from '../helper.js';

const proxy = '10.0.0.1';
const randomAddress = () => [...randomBytes(4)].join('.');

/** A read as it arrives from `remoteAddress` carrying `X-Forwarded-For`, and how many reads its client has left. */
async function read(app: Awaited<ReturnType<typeof build>>, remoteAddress: string, forwardedFor?: string) {
  const response = await app.inject({ url: '/v1/people', remoteAddress, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });
  return { status: response.statusCode, remaining: response.headers['ratelimit-remaining'] };
}

const limited = (trustProxy: Config['trustProxy']) => ({ trustProxy, rateLimitMax: 2, rateLimitWindowSeconds: 60 });

const trusts: Array<[string, Config['trustProxy']]> = [
  ['a hop count (1)', 1],
  ['an address list', ['192.0.2.0/24', proxy]],
];
for (const [label, trustProxy] of trusts) {
  t.test(`TRUST_PROXY as ${label}: the read limit counts the address the proxy saw, not a forged left-most entry`, async (t) => {
    const app = await build(t, limited(trustProxy));
    t.same(await read(app, proxy, `${randomAddress()}, 203.0.113.5`), { status: 200, remaining: '1' });
    t.same(await read(app, proxy, `${randomAddress()}, 203.0.113.5`), { status: 200, remaining: '0' }, 'another forged entry, the same client');
    t.equal((await read(app, proxy, `${randomAddress()}, ${randomAddress()}, 203.0.113.5`)).status, 429, 'forged entries do not walk around the limit');
    t.same(await read(app, proxy, '203.0.113.6'), { status: 200, remaining: '1' }, 'another client behind the proxy has its own budget');
    t.same(await read(app, proxy), { status: 200, remaining: '1' }, 'without the header, the proxy itself is the client');
  });
}

/** The client address the app settles on (request.ip, which every per-client budget is keyed by) for each request. */
async function clientAddresses(t: Test, trustProxy: Config['trustProxy'], requests: Array<[string, string | undefined]>) {
  const app = await buildUnready(t, { trustProxy });
  app.get('/client-address', async (request) => request.ip);
  const seen: string[] = [];
  for (const [remoteAddress, forwardedFor] of requests) {
    const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
    seen.push((await app.inject({ url: '/client-address', remoteAddress, headers })).body);
  }
  return seen;
}

t.test('TRUST_PROXY=1: the right-most X-Forwarded-For entry, the one the proxy wrote; a direct client is trusted like the proxy', async (t) => {
  const seen = await clientAddresses(t, 1, [
    [proxy, 'forged, 203.0.113.5'],
    [proxy, '198.51.100.1, 203.0.113.5'],
    [proxy, '203.0.113.5'],
    [proxy, undefined],
    ['198.51.100.7', '203.0.113.9'],
  ]);
  t.same(seen, [
    '203.0.113.5', // what nginx appended: the address it saw
    '203.0.113.5',
    '203.0.113.5',
    proxy, // no header: the proxy itself
    '203.0.113.9', // a client that reaches the port directly is believed as if it were the proxy
  ]);
});

t.test('TRUST_PROXY=2 and an address list: the address the outermost trusted proxy saw', async (t) => {
  t.same(await clientAddresses(t, 2, [[proxy, 'forged, 203.0.113.5, 10.0.0.2']]), ['203.0.113.5']);
  const listed = await clientAddresses(
    t,
    [proxy],
    [
      [proxy, 'forged, 203.0.113.5'],
      ['198.51.100.7', '203.0.113.9'],
    ],
  );
  t.same(listed, ['203.0.113.5', '198.51.100.7'], 'with a list, a direct client is its socket address');
});

t.test('TRUST_PROXY as an address list: a client that is not a listed proxy is counted by its own address', async (t) => {
  const app = await build(t, limited([proxy]));
  for (let i = 0; i < 2; i++) t.equal((await read(app, proxy, '203.0.113.5')).status, 200);
  t.equal((await read(app, proxy, '203.0.113.5')).status, 429, '203.0.113.5 has used its reads');
  t.same(await read(app, '198.51.100.7', randomAddress()), { status: 200, remaining: '1' }, 'a direct client is counted by its socket address...');
  t.same(await read(app, '198.51.100.7', randomAddress()), { status: 200, remaining: '0' }, '...whatever it writes in X-Forwarded-For');
  t.equal((await read(app, '198.51.100.8', '203.0.113.9')).status, 200, 'and cannot spend another client’s budget');
});

t.test('TRUST_PROXY of 2 hops (a load balancer in front of nginx): the address the load balancer saw', async (t) => {
  const app = await build(t, limited(2));
  t.same(await read(app, proxy, `${randomAddress()}, 203.0.113.5, 10.0.0.2`), { status: 200, remaining: '1' });
  t.same(await read(app, proxy, `${randomAddress()}, 203.0.113.5, 10.0.0.3`), { status: 200, remaining: '0' }, 'whichever balancer node forwarded it');
  t.equal((await read(app, proxy, `${randomAddress()}, 203.0.113.5, 10.0.0.2`)).status, 429);
  t.same(await read(app, proxy, '203.0.113.6, 10.0.0.2'), { status: 200, remaining: '1' }, 'another client behind both has its own budget');
});

t.test('TRUST_PROXY=false: X-Forwarded-For is ignored', async (t) => {
  const app = await build(t, limited(false));
  t.same(await read(app, '198.51.100.7', '203.0.113.5'), { status: 200, remaining: '1' });
  t.same(await read(app, '198.51.100.7', '203.0.113.6'), { status: 200, remaining: '0' });
});

t.test('failed authentications behind a proxy are counted per client, forged entries or not', async (t) => {
  const app = await build(t, { trustProxy: 1, authFailureRateLimitMax: 2 });
  const guess = (forwardedFor: string) =>
    app.inject({ method: 'DELETE', url: '/v1/people/x', remoteAddress: proxy, headers: { authorization: 'Bearer wrong-token-0123456789', 'x-forwarded-for': forwardedFor } });
  t.equal((await guess(`${randomAddress()}, 203.0.113.5`)).statusCode, 401);
  t.equal((await guess(`${randomAddress()}, 203.0.113.5`)).statusCode, 401);
  t.equal((await guess(`${randomAddress()}, 203.0.113.5`)).statusCode, 429);
  t.equal((await guess('203.0.113.6')).statusCode, 401, 'another client behind the same proxy is not blocked');
});
