import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import t from 'tap';
import conditionalGet from '../../src/web/http/conditional-get.js';
import largeBodies, { largeBodyLength } from '../../src/web/http/large-bodies.js';
import { auth, body, build, publicAt } from '../helper.js';

const json = { ...auth, 'content-type': 'application/json' };
const paragraph = 'بحث وكيل وزارة الداخلية مع الوفد السعودي سبل تعزيز التعاون الأمني بين البلدين. '.repeat(30);

t.test('a large body is handed on as a Buffer, a small one as the string it was', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(largeBodies);
  const seen: string[] = [];
  app.addHook('onSend', (_request, _reply, payload, done) => {
    seen.push(Buffer.isBuffer(payload) ? 'buffer' : typeof payload);
    done(null, payload);
  });
  app.get('/:length', (request, reply) => reply.type('text/plain').send('ب'.repeat(Number((request.params as { length: string }).length))));
  const large = await app.inject({ url: `/${largeBodyLength + 1}` });
  const small = await app.inject({ url: `/${largeBodyLength}` });
  t.same(seen, ['buffer', 'string']);
  t.equal(large.body, 'ب'.repeat(largeBodyLength + 1), 'the bytes are the UTF-8 of the string');
  t.equal(small.body, 'ب'.repeat(largeBodyLength));
  t.equal(Number(large.headers['content-length']), Buffer.byteLength(large.body));
});

t.test('a large body tagged from its bytes is encoded once: the tag is their digest, and the hooks after the tagging get the Buffer', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  // The tags and 304s under test do not depend on who reads: every request here is a public one with nothing scheduled.
  const publicReads = async (instance: FastifyInstance) => {
    instance.decorateRequest('visibility', { getter: async () => publicAt(new Date().toISOString()) });
  };
  await app.register(fp(publicReads, { name: 'visibility' }));
  await app.register(conditionalGet, { maxAge: 1, staleWhileRevalidate: 1 });
  const seen: string[] = [];
  app.addHook('onSend', (_request, _reply, payload, done) => {
    seen.push(Buffer.isBuffer(payload) ? 'buffer' : typeof payload);
    done(null, payload);
  });
  await app.register(largeBodies);
  app.get('/:length', { config: { traits: { cacheable: true } } }, (request, reply) => reply.type('text/plain').send('ب'.repeat(Number((request.params as { length: string }).length))));
  const large = await app.inject({ url: `/${largeBodyLength + 1}` });
  const small = await app.inject({ url: `/${largeBodyLength}` });
  t.same(seen, ['buffer', 'string'], 'the large body leaves the tagging as the Buffer it hashed; the small one as its string');
  for (const response of [large, small]) {
    t.equal(response.headers.etag, `"${createHash('sha256').update(response.rawPayload).digest('base64url').slice(0, 27)}"`, 'the tag is the digest of the bytes sent');
  }
  t.equal(large.body, 'ب'.repeat(largeBodyLength + 1));
  t.equal((await app.inject({ url: `/${largeBodyLength + 1}`, headers: { 'if-none-match': large.headers.etag as string } })).statusCode, 304);
});

t.test('a large page: the same JSON, length, ETag, compression and idempotent replay', async (t) => {
  const app = await build(t);
  const create = (i: number, key?: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/articles',
      headers: key ? { ...json, 'idempotency-key': key } : json,
      payload: {
        slug: `خبر-طويل-${i}`,
        title: `خبر طويل ${i}`,
        language: 'ar',
        body: Array.from({ length: i === 0 ? 3 : 1 }, () => ({ type: 'paragraph', text: i === 0 ? paragraph.repeat(5) : paragraph })),
      },
    });
  const first = await create(0, 'large-article');
  t.ok(first.body.length > largeBodyLength, 'a created article larger than the threshold');
  const replay = await create(0, 'large-article');
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal(replay.body, first.body, 'its stored response replays byte for byte');
  for (let i = 1; i <= 20; i++) t.equal((await create(i)).statusCode, 201);

  const page = await app.inject({ url: '/v1/articles?limit=100' });
  t.equal(page.statusCode, 200);
  t.ok(page.body.length > largeBodyLength, 'a page larger than the threshold');
  t.equal(body(page).data.length, 22, 'the seeded article and the 21 created');
  t.equal(Number(page.headers['content-length']), Buffer.byteLength(page.body));
  t.match(page.headers.etag, /^"/);
  const again = await app.inject({ url: '/v1/articles?limit=100', headers: { 'if-none-match': page.headers.etag as string } });
  t.equal(again.statusCode, 304, 'the ETag still answers conditional requests');
  const gzipped = await app.inject({ url: '/v1/articles?limit=100', headers: { 'accept-encoding': 'gzip' } });
  t.equal(gzipped.headers['content-encoding'], 'gzip');
  t.equal(gunzipSync(gzipped.rawPayload).toString(), page.body, 'compressed, the same JSON');
});
