import t from 'tap';
import { exampleWebhookUrl } from '../../src/core/webhooks/schemas.js';
import { exampleOrigin } from '../../src/web/openapi/document.js';
import { auth, body, build } from '../helper.js';

// Everything a client could use to plant its own host in a response; the proxy is trusted, so Fastify would believe it.
const foreign = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'gopher' };
const absoluteUrls = (text: string) => [...text.matchAll(/[a-z]+:\/\/[^"\s,]+/g)].map((m) => m[0]);

t.test('absolute URLs in responses come from PUBLIC_URL, never from Host or X-Forwarded-Host', async (t) => {
  const app = await build(t, { publicUrl: 'https://news.example', trustProxy: ['127.0.0.1'] });
  const article = body(await app.inject({ url: '/v1/articles?limit=1' })).data[0];
  // PUBLIC_URL, or the vocabularies the standards name.
  const expected = (url: string) => url.startsWith('https://news.example/') || /^https?:\/\/(schema\.org|www\.iptc\.org)(\/|$)/.test(url);
  const reads = [
    [`/v1/articles/${article.id}`, 'application/ld+json'],
    ['/v1/articles', 'application/ld+json'],
    ['/v1/meetings', 'application/ld+json'],
    [`/v1/articles/${article.id}`, 'application/vnd.iptc.ninjs+json'],
    ['/v1/articles', 'application/vnd.iptc.ninjs+json'],
  ] as const;
  for (const [url, accept] of reads) {
    const response = await app.inject({ url, headers: { ...foreign, accept } });
    t.equal(response.statusCode, 200, `${url} as ${accept}`);
    t.notMatch(response.body, /evil|gopher/, 'no trace of the request headers');
    const urls = absoluteUrls(response.body);
    t.ok(
      urls.some((u) => u.startsWith('https://news.example/')),
      `links under PUBLIC_URL: ${urls.find((u) => u.startsWith('https://news.example'))}`,
    );
    t.same(
      urls.filter((u) => !expected(u) && u !== 'https://news.example'),
      [],
      'and no other origin',
    );
  }
  // The contract is built once, for every deployment: its examples link under a reserved example domain (and a
  // webhook's example receiver, a newsroom's host under it), and only `servers` names this one.
  for (const url of ['/openapi.json', '/docs/json']) {
    const response = await app.inject({ url, headers: foreign });
    t.equal(response.statusCode, 200, url);
    t.notMatch(response.body, /evil|gopher/, `${url}: no trace of the request headers`);
    const urls = absoluteUrls(response.body);
    t.ok(
      urls.some((u) => u.startsWith(`${exampleOrigin}/`)),
      `${url}: examples link under ${exampleOrigin}`,
    );
    t.same(
      urls.filter((u) => !expected(u) && !u.startsWith(`${exampleOrigin}/`) && u !== 'https://news.example' && u !== exampleWebhookUrl),
      [],
      `${url}: and no other origin`,
    );
  }
  const ld = body(await app.inject({ url: `/v1/articles/${article.id}`, headers: { ...foreign, accept: 'application/ld+json' } }));
  t.equal(ld['@id'], `https://news.example/v1/articles/${article.id}`);
  t.equal(ld.url, ld['@id']);
  const ninjs = body(await app.inject({ url: `/v1/articles/${article.id}`, headers: { ...foreign, accept: 'application/vnd.iptc.ninjs+json' } }));
  t.equal(ninjs.uri, `https://news.example/v1/articles/${article.id}`);
  t.same(body(await app.inject({ url: '/docs/json', headers: foreign })).servers, [{ url: 'https://news.example', description: 'this server (PUBLIC_URL)' }]);

  const created = await app.inject({
    method: 'POST',
    url: '/v1/organisations',
    headers: { ...foreign, ...auth, 'content-type': 'application/json' },
    payload: { slug: 'مثال', name: 'مثال', kind: 'other' },
  });
  t.equal(created.statusCode, 201);
  t.equal(created.headers.location, `/v1/organisations/${body(created).data.id}`, 'Location is a path: it resolves against the URL the client used');
});
