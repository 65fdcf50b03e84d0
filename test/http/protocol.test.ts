import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { Writable } from 'node:stream';
import zlib, { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import t from 'tap';
import { auth, body, build, writerToken } from '../helper.js';

const json = { ...auth, 'content-type': 'application/json' };
const adwani = `/v1/people/${encodeURIComponent('علي-العدواني')}`;

t.test('PATCH takes merge-patch+json or JSON; other types get 415 naming the accepted ones', async (t) => {
  const app = await build(t);
  for (const type of ['application/merge-patch+json', 'application/json; charset=utf-8']) {
    t.equal((await app.inject({ method: 'PATCH', url: adwani, headers: { ...auth, 'content-type': type }, payload: {} })).statusCode, 200, type);
  }
  for (const type of ['text/plain', 'application/json-patch+json', 'application/x-www-form-urlencoded']) {
    const refused = await app.inject({ method: 'PATCH', url: adwani, headers: { ...auth, 'content-type': type }, payload: '[]' });
    t.equal(refused.statusCode, 415, type);
    t.equal(body(refused).code, 'unsupported_media_type');
    t.match(body(refused).detail, 'application/merge-patch+json or application/json');
    t.equal(refused.headers['accept-patch'], 'application/merge-patch+json, application/json', 'Accept-Patch (RFC 5789)');
  }
  const mergeOnPost = await app.inject({ method: 'POST', url: '/v1/people', headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: {} });
  t.equal(mergeOnPost.statusCode, 415, 'a merge patch is not a create body');
  t.match(body(mergeOnPost).detail, /takes application\/json/);
  t.equal((await app.inject({ method: 'PATCH', url: adwani, headers: { 'content-type': 'text/plain' }, payload: 'x' })).statusCode, 401, 'authentication first');
});

t.test('HEAD on every GET route; OPTIONS with Allow; 405 with Allow for a wrong method', async (t) => {
  const app = await build(t);
  const document = body(await app.inject({ url: '/openapi.json' }));
  const seeded = { articles: 'articles', people: 'people', organisations: 'organisations', meetings: 'meetings' } as const;
  const idOf = async (resource: string) => body(await app.inject({ url: `/v1/${resource}?limit=1` })).data[0].id as string;
  const shared = (value: any) => (value.$ref ? document.components[value.$ref.split('/').at(-2)][value.$ref.split('/').at(-1)] : value);
  // A path of several resources (`/v1/{resource}/…`) is tried for each its `resource` parameter names.
  const resourcesOf = (item: Record<string, any>): string[] =>
    Object.values(item)
      .flatMap((operation) => operation.parameters ?? [])
      .map(shared)
      .find((parameter) => parameter.name === 'resource').schema.enum;
  const paths = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    path.includes('{resource}') ? resourcesOf(item).map((name) => [path.replace('{resource}', name), item] as const) : [[path, item] as const],
  );
  for (const [path, item] of paths) {
    const resource = path.split('/')[2];
    // A webhook is no seeded record: any id does (the answer is the same 401 to GET and HEAD).
    const id = resource !== undefined && resource in seeded ? await idOf(seeded[resource as keyof typeof seeded]) : 'no-such-id';
    const url = path.includes('{id}') ? path.replace('{id}', id) : path;
    // The change stream's GET never ends (test/changes/ reads it over a socket): its HEAD answers the headers.
    const streamed = 'text/event-stream' in ((item.get as { responses?: Record<string, { content?: object }> } | undefined)?.responses?.['200']?.content ?? {});
    if (streamed) {
      const head = await app.inject({ method: 'HEAD', url });
      t.same([head.statusCode, head.headers['content-type'], head.body], [200, 'text/event-stream; charset=utf-8', ''], `HEAD ${path}`);
    } else if (item.get) {
      const get = await app.inject({ url });
      const head = await app.inject({ method: 'HEAD', url });
      t.equal(head.statusCode, get.statusCode, `HEAD ${path}`);
      t.equal(head.body, '');
      t.equal(head.headers['content-length'], String(Buffer.byteLength(get.body)), `HEAD ${path}: the GET's length`);
    }
    const options = await app.inject({ method: 'OPTIONS', url });
    t.equal(options.statusCode, 204, `OPTIONS ${path}`);
    const allowed = String(options.headers.allow).split(', ').sort();
    const documented = Object.keys(item).map((m) => m.toUpperCase());
    t.same(allowed, [...new Set([...documented, 'OPTIONS', ...(item.get ? ['HEAD'] : [])])].sort(), `Allow of ${path}`);
  }
  for (const [method, url, allow] of [
    ['POST', adwani, 'OPTIONS, GET, HEAD, PUT, PATCH, DELETE'],
    ['DELETE', '/v1/people', 'OPTIONS, GET, HEAD, POST'],
    ['PUT', '/health', 'OPTIONS, GET, HEAD'],
  ] as const) {
    const response = await app.inject({ method, url, headers: json, payload: {} });
    t.equal(response.statusCode, 405, `${method} ${url}`);
    t.equal(response.headers.allow, allow);
    t.equal(body(response).code, 'method_not_allowed');
    t.match(response.headers['content-type'], /^application\/problem\+json/);
  }
  t.equal((await app.inject({ method: 'OPTIONS', url: '/v2/nothing' })).statusCode, 404, 'OPTIONS on an unknown path');
  t.equal((await app.inject({ method: 'DELETE', url: '/v2/nothing' })).statusCode, 404, 'an unknown path stays 404');
});

t.test('a path no route knows is a 404 before its body is read: neither decompressed, parsed nor checked', async (t) => {
  const app = await build(t, { bodyLimit: 1024 });
  const typed = { 'content-type': 'application/json' };
  for (const [what, headers, payload] of [
    ['JSON that does not parse', typed, '{'],
    ['a lone surrogate', typed, '{"a":"\\ud800"}'],
    ['nesting past the bound', typed, '['.repeat(100)],
    ['a broken gzip', { ...typed, 'content-encoding': 'gzip' }, 'not gzip'],
    ['a body over the limit', typed, `"${'x'.repeat(2048)}"`],
    ['a type no route takes', { 'content-type': 'application/x-unknown' }, 'x'],
  ] as const) {
    for (const [who, token] of [
      ['without a token', {}],
      ['with one', auth],
    ] as const) {
      for (const url of ['/v2/nothing', '/v1/articles/x/y/z']) {
        const response = await app.inject({ method: 'POST', url, headers: { ...headers, ...token }, payload });
        t.equal(response.statusCode, 404, `${what}, ${who}: POST ${url}`);
        t.match(body(response), { code: 'route_not_found', detail: `no route POST ${url}`, instance: url }, `${what}, ${who}: the not-found problem`);
        t.match(response.headers['content-type'], /^application\/problem\+json/);
      }
    }
  }
});

t.test('CORS: any origin by default, the configured ones otherwise; preflight cached; headers exposed', async (t) => {
  // What the CORS paragraph of docs/http.md promises, written out here rather than read from src/web/http/cors.ts.
  const mayRead = ['ETag', 'Last-Modified', 'Location', 'Link', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-Id', 'Idempotent-Replayed', 'Khabar-Position'];
  const maySend = ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'If-Modified-Since', 'Idempotency-Key', 'X-Request-Id', 'Khabar-Position'];
  const names = (header: unknown) =>
    String(header)
      .split(/,\s*/)
      .map((name) => name.toLowerCase())
      .sort();
  const lower = (list: string[]) => list.map((name) => name.toLowerCase()).sort();

  const open = await build(t);
  const preflight = await open.inject({
    method: 'OPTIONS',
    url: adwani,
    headers: { origin: 'https://news.example', 'access-control-request-method': 'PATCH', 'access-control-request-headers': maySend.join(', ') },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], '*');
  t.same(
    names(preflight.headers['access-control-allow-methods']),
    ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'].map((m) => m.toLowerCase()),
  );
  t.same(names(preflight.headers['access-control-allow-headers']), lower(maySend), 'a script may send exactly the request headers docs/http.md lists');
  t.equal(preflight.headers['access-control-max-age'], '86400', 'browsers cache the preflight for a day');
  const read = await open.inject({ url: '/v1/people', headers: { origin: 'https://news.example' } });
  t.equal(read.headers['access-control-allow-origin'], '*');
  t.same(names(read.headers['access-control-expose-headers']), lower(mayRead), 'a script may read exactly the response headers docs/http.md lists');

  const listed = await build(t, { corsOrigins: ['https://news.example'] });
  const allowed = await listed.inject({ url: '/v1/people', headers: { origin: 'https://news.example' } });
  t.equal(allowed.headers['access-control-allow-origin'], 'https://news.example');
  t.match(allowed.headers.vary, /origin/i, 'Vary: Origin when the answer depends on it');
  const foreign = await listed.inject({ url: '/v1/people', headers: { origin: 'https://evil.example' } });
  t.equal(foreign.statusCode, 200, 'the response is served ...');
  t.notOk(foreign.headers['access-control-allow-origin'], '... but a browser on another origin may not read it');
});

t.test('compression: br or gzip as asked, for bodies over 1 KB', async (t) => {
  const app = await build(t);
  const plain = await app.inject({ url: '/v1/articles' });
  t.ok(Buffer.byteLength(plain.body) > 1024, 'the article list is over 1 KB');
  t.notOk(plain.headers['content-encoding'], 'no Accept-Encoding: identity');
  for (const [encoding, decode] of [
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ] as const) {
    const response = await app.inject({ url: '/v1/articles', headers: { 'accept-encoding': encoding } });
    t.equal(response.headers['content-encoding'], encoding);
    t.match(response.headers.vary, /accept-encoding/i);
    t.equal(decode(response.rawPayload).toString(), plain.body, `${encoding} decodes to the same body`);
    t.equal(response.headers.etag, (plain.headers.etag as string).replace(/"$/, `.${encoding}"`), 'each coding has its own ETag: the identity tag and the coding');
    const held = await app.inject({ url: '/v1/articles', headers: { 'accept-encoding': encoding, 'if-none-match': response.headers.etag as string } });
    t.equal(held.statusCode, 304, `${encoding}: the coded tag is current`);
    t.equal(held.headers.etag, response.headers.etag, `${encoding}: the 304 names the tag the client holds`);
    const other = await app.inject({ url: '/v1/articles', headers: { 'if-none-match': response.headers.etag as string } });
    t.equal(other.statusCode, 304, `${encoding}: a copy in another coding is current too`);
  }
  const seeded = `/v1/articles/${encodeURIComponent('العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز')}`;
  const read = await app.inject({ url: seeded, headers: { 'accept-encoding': 'gzip' } });
  t.match(read.headers.etag, /\.gzip"$/, 'a compressed record');
  const patched = await app.inject({
    method: 'PATCH',
    url: seeded,
    headers: { ...auth, 'content-type': 'application/merge-patch+json', 'if-match': read.headers.etag as string },
    payload: { summary: 'ملخص' },
  });
  t.equal(patched.statusCode, 200, 'If-Match takes the ETag of a compressed read');
  const stale = await app.inject({ method: 'PATCH', url: seeded, headers: { ...auth, 'content-type': 'application/merge-patch+json', 'if-match': read.headers.etag as string }, payload: {} });
  t.equal(stale.statusCode, 412, 'and refuses it once the record has changed');
  t.equal((await app.inject({ url: '/v1/articles', headers: { 'accept-encoding': 'br;q=0.5, gzip;q=1' } })).headers['content-encoding'], 'gzip', 'q-values honoured');
  const small = await app.inject({ url: '/health', headers: { 'accept-encoding': 'br, gzip' } });
  t.notOk(small.headers['content-encoding'], 'a small body is sent as is');
});

t.test('compression: Accept-Encoding edge cases, streamed files, and ranges sent as they are', async (t) => {
  const app = await build(t);
  const codingFor = async (acceptEncoding: string) => (await app.inject({ url: '/v1/articles', headers: { 'accept-encoding': acceptEncoding } })).headers['content-encoding'];
  t.equal(await codingFor('*'), 'gzip', '`*` is gzip');
  t.equal(await codingFor('x-gzip'), 'gzip', 'x-gzip is gzip');
  t.equal(await codingFor('gzip;q=0.5, BR;q=0.5'), 'br', 'br on a tie, whatever the case');
  t.equal(await codingFor('br;q=0, gzip;q=0'), undefined, 'q=0 refuses a coding');
  t.equal(await codingFor('deflate, identity'), undefined, 'neither br nor gzip: identity');
  const css = '/docs/static/swagger-ui.css';
  const plain = await app.inject({ url: css });
  const streamed = await app.inject({ url: css, headers: { 'accept-encoding': 'br' } });
  t.equal(streamed.headers['content-encoding'], 'br', 'a static file, streamed, is compressed as it flows');
  t.notOk(streamed.headers['content-length'], 'with no length, unknown until the end');
  t.equal(brotliDecompressSync(streamed.rawPayload).toString(), plain.body);
  const range = await app.inject({ url: css, headers: { 'accept-encoding': 'gzip', range: 'bytes=0-1999' } });
  t.equal(range.statusCode, 206);
  t.notOk(range.headers['content-encoding'], 'a range counts bytes of the uncompressed file: sent as is');
  t.equal(range.body, plain.body.slice(0, 2000));
  const head = await app.inject({ method: 'HEAD', url: '/v1/articles', headers: { 'accept-encoding': 'gzip' } });
  t.notOk(head.headers['content-encoding'], 'HEAD: no body, nothing compressed');
});

t.test('a static file is compressed once per coding: later requests get the same bytes without compressing it again', async (t) => {
  const app = await build(t);
  const url = '/docs/static/swagger-ui-bundle.js';
  const file = readFileSync(createRequire(import.meta.url).resolve('@fastify/swagger-ui/static/swagger-ui-bundle.js'));
  // Compressing this 1.6 MB file took ~50 ms of CPU for each request. The server's imports of node:zlib see the spy.
  const compressions = t.capture(zlib, 'createBrotliCompress', zlib.createBrotliCompress);
  syncBuiltinESMExports();
  t.teardown(syncBuiltinESMExports);
  const first = await app.inject({ url, headers: { 'accept-encoding': 'br' } });
  t.equal(first.headers['content-encoding'], 'br');
  t.ok(brotliDecompressSync(first.rawPayload).equals(file), 'the file, compressed');
  t.equal(compressions.calls.length, 1, 'compressed for the first request');
  for (const later of [url, `${url}?v=2`]) {
    const answer = await app.inject({ url: later, headers: { 'accept-encoding': 'br' } });
    t.ok(answer.rawPayload.equals(first.rawPayload), `${later}: the same compressed bytes`);
    t.equal(answer.headers['content-length'], String(first.rawPayload.length), 'now with their length');
    t.equal(answer.headers.etag, first.headers.etag);
  }
  t.equal(compressions.calls.length, 1, 'and not again (a query string names the same file)');
  const gzip = await app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
  t.ok(gunzipSync(gzip.rawPayload).equals(file), 'another coding is its own entry');
});

t.test('a kept answer is compressed once per coding; a form over a quarter of the answer is compressed each time', async (t) => {
  const app = await build(t);
  // Spies on the codings' functions, sync (answers up to 8 KiB) and async; the server's imports of node:zlib see them.
  const calls = (['brotliCompressSync', 'brotliCompress', 'gzipSync', 'gzip'] as const).map((name) => t.capture(zlib, name, zlib[name]));
  syncBuiltinESMExports();
  t.teardown(syncBuiltinESMExports);
  const compressions = () => calls.reduce((n, spy) => n + spy.calls.length, 0);
  const cases: Array<[string, string]> = [
    ['/v1/articles?limit=20', 'br'],
    ['/v1/articles?limit=20', 'gzip'],
    ['/v1/articles/العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز', 'br'],
  ];
  for (const [url, coding] of cases) {
    // Asked without a coding first: the handler's answer, which the cache keeps.
    const identity = (await app.inject({ url })).rawPayload;
    const decode = coding === 'br' ? brotliDecompressSync : gunzipSync;
    const answers = [];
    for (let n = 0; n < 3; n++) {
      const before = compressions();
      const answer = await app.inject({ url, headers: { 'accept-encoding': coding } });
      t.equal(answer.headers['content-encoding'], coding, `${coding} ${url}: coded`);
      t.ok(decode(answer.rawPayload).equals(identity), `${coding} ${url}: the answer, in ${coding}`);
      answers.push({ answer, compressed: compressions() - before });
    }
    t.same(
      answers.map((a) => a.compressed),
      [1, 0, 0],
      `${coding} ${url}: compressed for the first hit in ${coding}, not again`,
    );
    t.ok(answers[2]!.answer.rawPayload.equals(answers[0]!.answer.rawPayload), `${coding} ${url}: the same bytes`);
    t.equal(answers[2]!.answer.headers.etag, answers[0]!.answer.headers.etag, `${coding} ${url}: and ETag`);
  }

  // A first request that asks for a coding: the handler's answer is compressed, and that form is the hits'.
  const url0 = '/v1/articles?limit=2';
  const counts0 = [];
  for (let n = 0; n < 3; n++) {
    const before = compressions();
    t.equal((await app.inject({ url: url0, headers: { 'accept-encoding': 'br' } })).headers['content-encoding'], 'br');
    counts0.push(compressions() - before);
  }
  t.same(counts0, [1, 0, 0], 'asked in br from the first request: compressed once, on the miss');

  // Random letters compress to about three quarters: that form is not kept, and each hit compresses again.
  const text = randomBytes(12_000).toString('base64');
  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: json,
    payload: { slug: 'نص-عشوائي', title: 'نص عشوائي', language: 'ar', status: 'published', body: [{ type: 'paragraph', text }] },
  });
  t.equal(created.statusCode, 201);
  const url = `/v1/articles/${body<{ data: { id: string } }>(created).data.id}`;
  const counts = [];
  for (let n = 0; n < 4; n++) {
    const before = compressions();
    t.equal((await app.inject({ url, headers: { 'accept-encoding': 'br' } })).headers['content-encoding'], 'br');
    counts.push(compressions() - before);
  }
  t.same(counts, [1, 1, 1, 1], 'an answer that compresses poorly is compressed for every request');
});

t.test('request bodies in br, gzip or deflate are read; another coding or a broken one is a 400, one inflating past the body limit a 413', async (t) => {
  const app = await build(t, { bodyLimit: 64 * 1024 });
  const create = (encoding: string, payload: Buffer) => app.inject({ method: 'POST', url: '/v1/people', headers: { ...json, 'content-encoding': encoding }, payload });
  for (const [encoding, encode] of [
    ['br', brotliCompressSync],
    ['gzip', gzipSync],
    ['deflate', deflateSync],
  ] as const) {
    const slug = `مضغوط-${encoding}`;
    const created = await create(encoding, encode(JSON.stringify({ name: `شخص ${encoding}`, slug })));
    t.equal(created.statusCode, 201, encoding);
    const stored = body(await app.inject({ url: `/v1/people/${encodeURIComponent(slug)}` }));
    t.equal(stored.data.name, `شخص ${encoding}`, `${encoding}: the decoded body is what was stored`);
  }
  const unknown = await create('compress', Buffer.from('{}'));
  t.equal(unknown.statusCode, 400);
  t.match(body(unknown), { code: 'malformed_body', detail: 'Unsupported Content-Encoding: compress' });
  const broken = await create('gzip', Buffer.from('not gzip at all'));
  t.equal(broken.statusCode, 400);
  t.match(body(broken), { code: 'malformed_body', detail: /decompress/ });
  const inflating = gzipSync(Buffer.alloc(1024 * 1024, ' '));
  t.ok(inflating.length < 64 * 1024, 'what is sent is under the limit');
  const bomb = await create('gzip', inflating);
  t.equal(bomb.statusCode, 413, 'the limit counts the decompressed bytes');
  t.match(body(bomb), { code: 'payload_too_large' });
});

t.test('rate limits: reads per client address, writes per token, 429 problem+json with Retry-After', async (t) => {
  const app = await build(t, {
    rateLimitMax: 3,
    rateLimitWriteMax: 2,
    rateLimitWindowSeconds: 60,
    apiTokens: [
      { name: 'test-editor', secret: writerToken, role: 'editor' },
      { name: 'second', secret: 'second-token-0123456789', role: 'editor' },
    ],
  });
  for (let i = 0; i < 3; i++) {
    const read = await app.inject({ url: '/v1/people' });
    t.equal(read.statusCode, 200);
    t.equal(read.headers['ratelimit-limit'], '3');
    t.equal(read.headers['ratelimit-remaining'], String(2 - i));
    t.ok(Number(read.headers['ratelimit-reset']) > 0 && Number(read.headers['ratelimit-reset']) <= 60);
  }
  const limited = await app.inject({ url: adwani });
  t.equal(limited.statusCode, 429, 'the fourth read in the window');
  t.match(limited.headers['content-type'], /^application\/problem\+json/);
  t.equal(body(limited).code, 'too_many_requests');
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After');
  t.equal(limited.headers['ratelimit-remaining'], '0');
  t.equal((await app.inject({ url: '/v1/people', remoteAddress: '10.0.0.2' })).statusCode, 200, 'another client has its own budget');
  const v6 = (address: string) => app.inject({ url: '/v1/people', remoteAddress: address });
  for (let i = 0; i < 3; i++) t.equal((await v6(`2001:db8:1:2::${i + 1}`)).statusCode, 200, 'an IPv6 client');
  t.equal((await v6('2001:db8:1:2:ffff:eeee:dddd:cccc')).statusCode, 429, 'another address of the same /64 is the same client');
  t.equal((await v6('2001:db8:1:3::1')).statusCode, 200, 'another /64 is another client');
  for (const url of ['/health', '/openapi.json', '/docs/json']) t.equal((await app.inject({ url })).statusCode, 200, `${url} is exempt`);
  for (const url of ['/docs/', '/docs/static/swagger-ui-bundle.js']) t.equal((await app.inject({ url })).statusCode, 429, `the docs page is counted: ${url}`);

  const write = (token: string, slug: string) =>
    app.inject({ method: 'POST', url: '/v1/organisations', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: { slug, name: slug, kind: 'other' } });
  t.equal((await app.inject({ method: 'DELETE', url: adwani })).statusCode, 401, 'an unauthenticated write is refused before it counts');
  const firstWrite = await write(writerToken, 'w1');
  t.equal(firstWrite.statusCode, 201, 'writes have their own budget, apart from reads');
  t.equal(firstWrite.headers['ratelimit-limit'], '2');
  t.equal((await write(writerToken, 'w2')).statusCode, 201);
  const tooMany = await write(writerToken, 'w3');
  t.equal(tooMany.statusCode, 429, 'the third write of the token');
  const unread = await app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...json, 'content-encoding': 'gzip' }, payload: 'not gzip, nor JSON' });
  t.same([unread.statusCode, body(unread).code], [429, 'too_many_requests'], 'a write over the limit is refused before its body is read (a broken gzip)');
  t.equal((await write('second-token-0123456789', 'w3')).statusCode, 201, 'another token has its own budget');
  t.equal(body(await app.inject({ url: '/v1/organisations', remoteAddress: '10.0.0.3' })).meta.total, 6, 'the refused write stored nothing');

  const unlimited = await build(t, { rateLimitMax: 0, rateLimitWriteMax: 0 });
  const free = await unlimited.inject({ url: '/v1/people' });
  t.notOk(free.headers['ratelimit-limit'], 'a limit of 0 turns it off');
});

t.test('security headers, with a policy under which the docs page and its assets load', async (t) => {
  const app = await build(t);
  const api = await app.inject({ url: '/v1/people' });
  t.equal(api.headers['x-content-type-options'], 'nosniff');
  t.equal(api.headers['x-frame-options'], 'DENY');
  t.ok(api.headers['strict-transport-security']);
  t.equal(api.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", 'JSON may load nothing and be framed by nobody');
  for (const documentOnly of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-xss-protection']) {
    t.notOk(api.headers[documentOnly], `${documentOnly} only on pages`);
  }
  const missing = await app.inject({ url: '/v1/nothing-here' });
  t.equal(missing.headers['content-security-policy'], api.headers['content-security-policy'], 'a 404 has the API headers too');
  const docs = await app.inject({ url: '/docs/' });
  t.equal(docs.headers['cross-origin-opener-policy'], 'same-origin', 'pages get every header helmet sets');
  t.equal(docs.statusCode, 200);
  const csp = String(docs.headers['content-security-policy']);
  const directive = (name: string) =>
    csp
      .split(';')
      .find((d) => d.trim().startsWith(`${name} `))
      ?.trim()
      .split(/\s+/)
      .slice(1) ?? [];
  t.same(directive('script-src'), ["'self'"], 'scripts only from this server, none inline');
  t.ok(directive('style-src').includes("'self'"));
  t.ok(directive('img-src').includes('data:'), 'the inline SVG icons of the UI');
  t.notMatch(csp, 'upgrade-insecure-requests', 'plain HTTP on 127.0.0.1 keeps working');

  t.notMatch(docs.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script on the page');
  const assets = [...docs.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  t.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), 'the page loads scripts and styles');
  for (const asset of assets) {
    t.notMatch(asset, /^(?:https?:)?\/\//, `${asset} is same-origin`);
    const response = await app.inject({ url: new URL(asset, 'http://khabar.test/docs/').pathname });
    t.equal(response.statusCode, 200, `${asset} is served`);
    t.match(response.headers['content-type'], /javascript|css|image/);
  }
  const initializer = (await app.inject({ url: '/docs/static/swagger-initializer.js' })).body;
  t.match(initializer, /resolveUrl\('\.\/json'\)/, 'the UI reads the contract from /docs/json ...');
  t.equal((await app.inject({ url: '/docs/json' })).statusCode, 200, '... which is served (connect-src self)');
});

t.test('request ids: accepted when safe, generated otherwise, echoed and on every log line; tokens never logged', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const app = await build(t, { logLevel: 'trace' }, { logStream: stream });

  const given = await app.inject({ url: '/v1/people', headers: { 'x-request-id': 'trace-2026.11:abc_DEF-1' } });
  t.equal(given.headers['x-request-id'], 'trace-2026.11:abc_DEF-1', 'a safe id is kept');
  for (const unsafe of ['has space', 'x'.repeat(129), 'quote"d', 'عربي']) {
    const response = await app.inject({ url: '/v1/people', headers: { 'x-request-id': unsafe } });
    t.match(response.headers['x-request-id'], /^[0-9a-f-]{36}$/, `${JSON.stringify(unsafe.slice(0, 10))} is replaced`);
  }
  const generated = await app.inject({ method: 'PATCH', url: adwani, headers: json, payload: {} });
  t.match(generated.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'generated when none was sent');
  await app.inject({ method: 'DELETE', url: adwani, headers: { authorization: 'Bearer wrong-secret-0123456789' } });
  app.log.info({ headers: { authorization: `Bearer ${writerToken}` }, authorization: `Bearer ${writerToken}` }, 'headers logged');

  const entries = lines.map((line) => JSON.parse(line) as { reqId?: string; msg: string; headers?: { authorization?: string }; authorization?: string });
  const ofRequest = (id: string) => entries.filter((entry) => entry.reqId === id);
  t.ok(ofRequest('trace-2026.11:abc_DEF-1').length >= 2, 'the request and its response are logged with the given id');
  t.ok(ofRequest(String(generated.headers['x-request-id'])).length >= 2, 'and with a generated one');
  const requestLines = entries.filter((entry) => /request|response/.test(entry.msg));
  t.ok(requestLines.length > 0 && requestLines.every((entry) => typeof entry.reqId === 'string'), 'every request line names its request');
  const all = lines.join('\n');
  t.notMatch(all, writerToken, 'the token never appears in the log');
  t.notMatch(all, 'wrong-secret-0123456789', 'nor does a wrong one');
  const logged = entries.find((entry) => entry.msg === 'headers logged')!;
  t.same([logged.headers?.authorization, logged.authorization], ['[redacted]', '[redacted]'], 'Authorization headers are redacted');
});

t.test('the real server: preflight, compressed read and request id over HTTP', async (t) => {
  const app = await build(t);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const preflight = await fetch(`${address}/v1/articles`, {
    method: 'OPTIONS',
    headers: { origin: 'https://news.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, idempotency-key' },
  });
  t.equal(preflight.status, 204);
  t.equal(preflight.headers.get('access-control-allow-origin'), '*');
  t.match(preflight.headers.get('allow'), /POST/);
  const read = await fetch(`${address}/v1/articles`, { headers: { 'accept-encoding': 'br', 'x-request-id': 'over-the-wire' } });
  t.equal(read.headers.get('content-encoding'), 'br');
  t.equal(read.headers.get('x-request-id'), 'over-the-wire');
  t.ok(((await read.json()) as { data: unknown[] }).data.length > 0, 'the body decodes');
  const cached = await fetch(`${address}/v1/articles`, { headers: { 'if-none-match': read.headers.get('etag')! } });
  t.equal(cached.status, 304);
});
