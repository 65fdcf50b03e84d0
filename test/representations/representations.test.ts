import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import t from 'tap';
import { negotiate } from '../../src/web/representations/negotiate.js';
import { auth, body, build } from '../helper.js';

// ajv-formats is CommonJS: its default export arrives as the module object.
const addFormats = addFormatsModule.default;
const ninjsSchema = JSON.parse(readFileSync(new URL('../fixtures/ninjs-schema_2.2.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
// ninjs places may carry GeoJSON geometry, which the schema refers to online. khabar emits no geometry, so the
// stand-in accepts none: the test stays offline and fails if geometry ever appears unvalidated.
ajv.addSchema({ $id: 'https://geojson.org/schema/GeoJSON.json', not: {} });
const validateNinjs = ajv.compile(ninjsSchema);

const json = 'application/json';
const jsonLd = 'application/ld+json';
const ninjs = 'application/vnd.iptc.ninjs+json';
const article = `/v1/articles/${encodeURIComponent('العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز')}`;

t.test('negotiate: the most specific range decides, q=0 refuses, the server order breaks ties', async (t) => {
  const offered = [json, jsonLd, ninjs];
  const cases: Array<[string | undefined, string | null]> = [
    [undefined, json],
    ['', json],
    ['*/*', json],
    ['application/*', json],
    [jsonLd, jsonLd],
    [`${ninjs}; charset=utf-8`, ninjs],
    [`${jsonLd};q=0.5, ${json}`, json],
    [`text/html, ${jsonLd};q=0.1`, jsonLd],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', json],
    [`*/*, ${json};q=0`, jsonLd],
    ['text/html', null],
    ['application/xml, text/*', null],
    ['nonsense', null],
    [`${jsonLd};q=abc`, null],
  ];
  for (const [accept, expected] of cases) t.equal(negotiate(accept, offered), expected, `Accept: ${accept}`);
});

t.test('articles as IPTC ninjs 2.2 items, valid against the published schema', async (t) => {
  const app = await build(t);
  for (const request of [{ url: article, headers: { accept: ninjs } }, { url: `${article}?format=ninjs` }]) {
    const response = await app.inject(request);
    t.equal(response.statusCode, 200);
    t.match(response.headers['content-type'], /^application\/vnd\.iptc\.ninjs\+json/);
    t.match(response.headers.vary, /Accept/);
    const item = body(response);
    t.ok(validateNinjs(item), JSON.stringify(validateNinjs.errors));
    t.equal(item.language, 'ar');
    t.match(item.headlines[0].value, /العدواني/);
    t.same(
      item.bodies.map((b: any) => b.contenttype),
      ['text/plain', 'text/html'],
    );
    t.match(item.bodies[1].value, /^<p>عقد وكيل/);
    t.same(item.people.map((p: any) => p.name).sort(), ['صالح المربع', 'علي العدواني']);
    t.equal(item.organisations.length, 3);
    t.match(item.events[0], { rel: 'about', name: /العدواني/ });
    t.ok(
      item.subjects.some((s: any) => s.name === 'مكافحة الإرهاب'),
      'the meeting topics are subjects',
    );
    t.match(item.uri, /^http:\/\/127\.0\.0\.1:3000\/v1\/articles\/[0-9a-f-]{36}$/, 'under PUBLIC_URL (here the listening address)');
  }

  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: auth,
    payload: { slug: 'مقال-ثان', title: 'مقال ثان', language: 'ar', summary: 'ملخص', body: [{ type: 'paragraph', text: 'نص <b>خام</b>' }] },
  });
  t.equal(created.statusCode, 201);
  const page = await app.inject({ url: '/v1/articles?limit=1', headers: { accept: ninjs } });
  t.equal(page.statusCode, 200);
  const list = body(page);
  t.equal(list.data.length, 1);
  for (const item of list.data) t.ok(validateNinjs(item), JSON.stringify(validateNinjs.errors));
  t.same(list.data[0].descriptions, [{ role: 'summary', value: 'ملخص' }]);
  t.equal(list.data[0].bodies[1].value, '<p>نص &lt;b&gt;خام&lt;/b&gt;</p>', 'the HTML body escapes the text');
  t.equal(page.headers.link, `<${list.links.next}>; rel="next"`, 'the next page is also a Link header');
});

t.test('every record as schema.org JSON-LD, with the types and properties the standard names', async (t) => {
  const app = await build(t);
  const get = async (url: string) => {
    const response = await app.inject({ url, headers: { accept: `${jsonLd}, ${json};q=0.5` } });
    t.equal(response.statusCode, 200, url);
    t.match(response.headers['content-type'], /^application\/ld\+json/);
    const document = body(response);
    t.equal(document['@context'], 'https://schema.org');
    return document;
  };

  const news = await get(article);
  t.match(news, { '@type': 'NewsArticle', headline: /العدواني/, articleBody: /^عقد وكيل/, inLanguage: 'ar' });
  t.same(new Set(news.mentions.map((m: any) => m['@type'])), new Set(['Person', 'Organization']));
  t.ok(
    news.mentions.every((m: any) => m['@id'].startsWith('http') && m.name),
    'mentions name their records',
  );
  t.match(news.about, [{ '@type': 'Event', name: /العدواني/ }]);

  const person = await get(`/v1/people/${encodeURIComponent('علي-العدواني')}`);
  t.match(person, { '@type': 'Person', name: 'علي العدواني', honorificPrefix: 'اللواء', jobTitle: 'وكيل وزارة الداخلية الكويتي المؤقت' });
  t.match(person.affiliation, [{ '@type': 'Organization', name: 'وزارة الداخلية الكويتية' }]);

  const agency = await get(`/v1/organisations/${encodeURIComponent('وكالة-وزارة-الداخلية-للأحوال-المدنية')}`);
  t.match(agency, {
    '@type': 'Organization',
    parentOrganization: { '@type': 'Organization', name: 'وزارة الداخلية السعودية' },
    address: { '@type': 'PostalAddress', addressCountry: 'SA' },
  });

  const meetings = await get('/v1/meetings');
  t.match(meetings, { '@type': 'ItemList', url: 'http://127.0.0.1:3000/v1/meetings', numberOfItems: 1, itemListElement: [{ '@type': 'ListItem', position: 1 }] });
  const event = meetings.itemListElement[0].item;
  t.match(event, {
    '@type': 'Event',
    eventStatus: 'https://schema.org/EventScheduled',
    location: { '@type': 'Place', name: 'مقر وزارة الداخلية' },
    organizer: { '@type': 'Organization', name: 'وزارة الداخلية الكويتية' },
  });
  t.same(
    event.attendee.filter((a: any) => a['@type'] === 'Person').map((a: any) => a.name),
    ['علي العدواني', 'صالح المربع'],
  );

  const people = await app.inject({ url: '/v1/people?format=jsonld' });
  t.match(body(people), { '@type': 'ItemList', numberOfItems: 2 });
});

t.test('what is not offered is 406 problem+json listing what is; errors stay problem+json', async (t) => {
  const app = await build(t);
  const refused = [
    { url: '/v1/people', headers: { accept: 'text/html' }, offered: [json, jsonLd], path: 'headers.accept' },
    { url: '/v1/people?format=ninjs', headers: {}, offered: [json, jsonLd], path: 'querystring.format' },
    { url: '/v1/articles', headers: { accept: 'application/xml' }, offered: [json, jsonLd, ninjs], path: 'headers.accept' },
  ];
  for (const { url, headers, offered, path } of refused) {
    const response = await app.inject({ url, headers });
    t.equal(response.statusCode, 406, url);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    const problem = body(response);
    t.match(problem, { code: 'not_acceptable', status: 406, errors: [{ path, message: `offered: ${offered.join(', ')}` }] });
    t.match(problem.detail, offered.join(', '));
  }

  const missing = await app.inject({ url: '/v1/articles/لا-يوجد', headers: { accept: jsonLd } });
  t.equal(missing.statusCode, 404);
  t.match(missing.headers['content-type'], /^application\/problem\+json/);
  const badFormat = await app.inject({ url: '/v1/articles?format=xml' });
  t.equal(badFormat.statusCode, 400, 'an unknown format is a validation error');
  const plain = await app.inject({ url: '/v1/people', headers: { accept: '*/*' } });
  t.match(plain.headers['content-type'], /^application\/json/);
  t.equal(body(plain).data.length, 2, 'plain JSON is unchanged');
  const head = await app.inject({ method: 'HEAD', url: `${article}?format=ninjs` });
  t.equal(head.statusCode, 200, 'HEAD takes ?format too');
});

t.test('the standard formats map whole records: include is welcome, fields is refused', async (t) => {
  const app = await build(t);
  const included = await app.inject({ url: '/v1/articles?include=people&format=jsonld' });
  t.equal(included.statusCode, 200);
  t.match(included.headers['content-type'], /^application\/ld\+json/);
  for (const url of ['/v1/articles?fields=id,title&format=ninjs', '/v1/meetings?fields[people]=name&include=participants.person&format=jsonld']) {
    const refused = await app.inject({ url });
    t.equal(refused.statusCode, 400, url);
    t.match(body(refused), { code: 'validation_failed', errors: [{ path: /^querystring\.fields/ }] });
  }
  t.equal((await app.inject({ url: '/v1/articles?fields=id,title' })).statusCode, 200, 'fields still narrows JSON');
});
