import t from 'tap';
import { storesOf } from '../../src/core/db/handles.js';
import { recordEtag } from '../../src/web/http/etag.js';
import { auth, body, build, firstRecords, storedRecord, writesOf } from '../helper.js';

const json = { ...auth, 'content-type': 'application/json' };
const adwani = `/v1/people/${encodeURIComponent('علي-العدواني')}`;

t.test('conditional reads: ETag, 304 and Cache-Control on records and pages', async (t) => {
  const app = await build(t, { cacheMaxAge: 45, cacheStaleWhileRevalidate: 90 });
  for (const url of [adwani, '/v1/people', '/v1/meetings?limit=1']) {
    const first = await app.inject({ url });
    t.equal(first.statusCode, 200, url);
    const etag = first.headers.etag as string;
    t.match(etag, /^"[\w-]{27}"$/, `${url}: a strong ETag`);
    t.equal(first.headers['cache-control'], 'public, max-age=45, stale-while-revalidate=90', 'configurable public caching');
    t.notOk(first.headers['last-modified'], `${url}: no Last-Modified: no date the server holds is the representation's own`);

    const again = await app.inject({ url });
    t.equal(again.headers.etag, etag, 'the same bytes give the same ETag');

    for (const headers of [
      { 'if-none-match': etag },
      { 'if-none-match': `"other", W/${etag}` },
      { 'if-none-match': '*' },
      { 'if-none-match': etag, 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' },
    ]) {
      const cached = await app.inject({ url, headers });
      t.equal(cached.statusCode, 304, `${url} ${JSON.stringify(headers)}: 304`);
      t.equal(cached.body, '', 'no body');
      t.equal(cached.headers.etag, etag, 'the 304 names the current ETag');
      t.notOk(cached.headers['content-type'], 'no content type');
    }
    for (const headers of [
      { 'if-none-match': '"stale"' },
      // Without a Last-Modified, a date alone validates nothing (RFC 9110 §13.1.3).
      { 'if-modified-since': new Date(Date.now() + 3_600_000).toUTCString() },
      { 'if-modified-since': 'not a date' },
      { 'if-none-match': '"stale"', 'if-modified-since': new Date(Date.now() + 3_600_000).toUTCString() },
    ]) {
      t.equal((await app.inject({ url, headers })).statusCode, 200, `${url} ${JSON.stringify(headers)}: 200`);
    }
    const head = await app.inject({ method: 'HEAD', url });
    t.equal(head.statusCode, 200, 'HEAD on the GET route');
    t.equal(head.body, '');
    t.equal(head.headers.etag, etag, 'HEAD carries the same validators');
    t.equal(head.headers['content-length'], String(Buffer.byteLength(first.body)));
    const headCached = await app.inject({ method: 'HEAD', url, headers: { 'if-none-match': etag } });
    t.equal(headCached.statusCode, 304, 'HEAD answers 304 too');
    t.equal(headCached.body, '');
  }

  const withToken = await app.inject({ url: adwani, headers: auth });
  t.equal(withToken.headers['cache-control'], 'private, no-store', 'a read that sent a token is not stored by caches');

  const before = await app.inject({ url: adwani });
  await app.inject({ method: 'PATCH', url: adwani, headers: json, payload: { position: 'مدير عام' } });
  const after = await app.inject({ url: adwani, headers: { 'if-none-match': before.headers.etag as string } });
  t.equal(after.statusCode, 200, 'a write makes the old ETag stale');
  t.not(after.headers.etag, before.headers.etag);

  const ministry = `/v1/organisations/${encodeURIComponent('وزارة-الداخلية-الكويتية')}`;
  const org = await app.inject({ url: ministry });
  const created = body(await app.inject({ method: 'POST', url: '/v1/people', headers: json, payload: { slug: 'عضو', name: 'عضو', affiliations: [{ organisation_id: body(org).data.id }] } }));
  const members = await app.inject({ url: ministry, headers: { 'if-none-match': org.headers.etag as string } });
  t.equal(members.statusCode, 200, "a new member changes the organisation's ETag although its version did not move");
  t.ok(
    body(members).data.members.some((m: { person_id: string }) => m.person_id === created.data.id),
    'it lists the new member',
  );
  t.equal(body(members).data.version, body(org).data.version);

  t.test('each representation of a record has its own ETag', async (t) => {
    const plain = await app.inject({ url: adwani });
    const variants = { 'include=affiliations.organisation': `${adwani}?include=affiliations.organisation`, 'fields=name': `${adwani}?fields=name` };
    for (const [name, url] of Object.entries(variants)) t.not((await app.inject({ url })).headers.etag, plain.headers.etag, name);
    const jsonLd = await app.inject({ url: adwani, headers: { accept: 'application/ld+json' } });
    t.equal(jsonLd.statusCode, 200);
    t.not(jsonLd.headers.etag, plain.headers.etag, 'JSON-LD');

    const embedding = await app.inject({ url: variants['include=affiliations.organisation'] });
    const organisationId = body(embedding).data.affiliations[0].organisation_id as string;
    const current = body(await app.inject({ url: `/v1/organisations/${organisationId}` })).data;
    const { id, version, created_at, updated_at, members, ...fields } = current;
    const renamed = await app.inject({ method: 'PUT', url: `/v1/organisations/${id}`, headers: json, payload: { ...fields, name: `${current.name} (تعديل)` } });
    t.equal(renamed.statusCode, 200);
    const after = await app.inject({ url: variants['include=affiliations.organisation'], headers: { 'if-none-match': embedding.headers.etag as string } });
    t.equal(after.statusCode, 200, 'an embedded record that changed makes the embedding ETag stale, though the person did not change');
    t.equal((await app.inject({ url: adwani, headers: { 'if-none-match': plain.headers.etag as string } })).statusCode, 304, 'the plain record is still current');
  });

  t.test("a shaped record's ETag follows its revision, not its bytes", async (t) => {
    const shaped = `${adwani}?fields=name`;
    const before = await app.inject({ url: shaped });
    t.equal((await app.inject({ url: shaped, headers: { 'if-none-match': before.headers.etag as string } })).statusCode, 304, 'unchanged: 304');
    t.equal((await app.inject({ method: 'PATCH', url: adwani, headers: json, payload: { position: 'مستشار' } })).statusCode, 200);
    const after = await app.inject({ url: shaped, headers: { 'if-none-match': before.headers.etag as string } });
    t.equal(after.body, before.body, 'a change outside the fields shown leaves the bytes as they were ...');
    t.equal(after.statusCode, 200, '... but the record changed, and its shaped copies are revalidated');
    t.not(after.headers.etag, before.headers.etag);
  });

  t.test("a page's ETag follows the records on it, and the records an include embeds", async (t) => {
    const page = '/v1/organisations?limit=3&fields=name';
    const embedding = '/v1/people?include=affiliations.organisation&limit=50';
    const before = { page: await app.inject({ url: page }), embedding: await app.inject({ url: embedding }) };
    const stale = async (url: string, etag: string) => (await app.inject({ url, headers: { 'if-none-match': etag } })).statusCode === 200;
    t.notOk(await stale(page, before.page.headers.etag as string), 'unchanged: 304');

    const listed = body(before.page).data[0] as { id: string };
    const { id, version, created_at, updated_at, members, ...fields } = body(await app.inject({ url: `/v1/organisations/${listed.id}` })).data;
    t.equal((await app.inject({ method: 'PUT', url: `/v1/organisations/${id}`, headers: json, payload: { ...fields, aliases: [...fields.aliases, 'اسم آخر'] } })).statusCode, 200);
    const after = await app.inject({ url: page });
    t.equal(after.body, before.page.body, 'a change outside the fields shown leaves the bytes as they were ...');
    t.ok(await stale(page, before.page.headers.etag as string), '... but the record changed, and the page is revalidated');
    t.ok(await stale(embedding, before.embedding.headers.etag as string), 'a page embedding a changed record is stale');
  });

  const health = await app.inject({ url: '/health' });
  t.equal(health.headers['cache-control'], 'no-store', 'health is never cached');
  t.notOk(health.headers.etag);
  t.equal((await app.inject({ url: '/v1/people/nobody' })).headers.etag, undefined, 'errors carry no ETag');
});

t.test("Last-Modified: a write carries the written record's updated_at; no read carries one", async (t) => {
  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/v1/people', headers: json, payload: { slug: 'كاتب', name: 'كاتب' } });
  t.equal(created.statusCode, 201);
  const stored = body(created).data as { id: string; updated_at: string };
  t.equal(created.headers['last-modified'], new Date(stored.updated_at).toUTCString(), "POST: the created record's updated_at");
  const url = `/v1/people/${stored.id}`;
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const patched = await app.inject({ method: 'PATCH', url, headers: json, payload: { position: 'محرر' } });
  const updatedAt = (body(patched).data as { updated_at: string }).updated_at;
  t.ok(Date.parse(updatedAt) > Date.parse(stored.updated_at), 'the patch moved updated_at');
  t.equal(patched.headers['last-modified'], new Date(updatedAt).toUTCString(), 'PATCH: the new updated_at');
  for (const read of [url, '/v1/people', `/v1/people?filter[slug][eq]=${encodeURIComponent('كاتب')}`, `${url}?include=affiliations.organisation`]) {
    t.notOk((await app.inject({ url: read })).headers['last-modified'], `${read}: no Last-Modified`);
  }
  const deleted = await app.inject({ method: 'DELETE', url, headers: auth });
  t.equal(deleted.statusCode, 204);
  t.notOk(deleted.headers['last-modified'], 'a delete leaves nothing to date');
});

t.test('optimistic concurrency: If-Match on PUT, PATCH and DELETE', async (t) => {
  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة', name: 'لجنة', kind: 'committee' } });
  const url = created.headers.location as string;
  const record = body(created).data;
  t.equal(created.headers.etag, recordEtag(await storedRecord(app, storesOf(app.services).organisations, record.id)), 'a write answers with the ETag of what it stored');
  const read = await app.inject({ url });
  t.equal(read.headers.etag, created.headers.etag, 'the same ETag a GET gives');

  const stale = created.headers.etag as string;
  const patched = await app.inject({ method: 'PATCH', url, headers: { ...json, 'if-match': stale }, payload: { name: 'لجنة عليا' } });
  t.equal(patched.statusCode, 200, 'PATCH with the current ETag');
  const current = patched.headers.etag as string;
  t.not(current, stale);

  for (const [method, payload] of [
    ['PATCH', { name: 'x' }],
    ['PUT', { slug: 'لجنة', name: 'x', kind: 'other' }],
    ['DELETE', undefined],
  ] as const) {
    const refused = await app.inject({ method, url, headers: { ...(payload ? json : auth), 'if-match': stale }, ...(payload ? { payload } : {}) });
    t.equal(refused.statusCode, 412, `${method} with a stale ETag: 412`);
    t.match(refused.headers['content-type'], /^application\/problem\+json/);
    t.equal(body(refused).code, 'precondition_failed');
    t.equal(refused.headers.etag, current, 'the 412 names the current ETag');
  }
  t.equal(body(await app.inject({ url })).data.name, 'لجنة عليا', 'refused writes change nothing');
  t.equal((await app.inject({ method: 'PATCH', url, headers: { ...json, 'if-match': `W/${current}` }, payload: {} })).statusCode, 412, 'a weak tag never matches If-Match');
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/organisations/nothing', headers: { ...json, 'if-match': current }, payload: {} })).statusCode, 404, 'a missing record is 404, not 412');

  const put = await app.inject({ method: 'PUT', url, headers: { ...json, 'if-match': `"other", ${current}` }, payload: { slug: 'لجنة', name: 'لجنة', kind: 'other' } });
  t.equal(put.statusCode, 200, 'PUT with a list that holds the current ETag');
  const any = await app.inject({ method: 'PATCH', url, headers: { ...json, 'if-match': '*' }, payload: { kind: 'agency' } });
  t.equal(any.statusCode, 200, 'If-Match: * matches any current record');
  const deleted = await app.inject({ method: 'DELETE', url, headers: { ...auth, 'if-match': any.headers.etag as string } });
  t.equal(deleted.statusCode, 204, 'DELETE with the current ETag');
});

t.test('N concurrent PATCHes with the same If-Match: exactly one succeeds', async (t) => {
  const app = await build(t);
  const etag = (await app.inject({ url: adwani })).headers.etag as string;
  const attempts = await Promise.all(Array.from({ length: 8 }, (_, i) => app.inject({ method: 'PATCH', url: adwani, headers: { ...json, 'if-match': etag }, payload: { position: `منصب ${i}` } })));
  const statuses = attempts.map((r) => r.statusCode).sort();
  t.same(statuses, [200, 412, 412, 412, 412, 412, 412, 412]);
  const winner = body(attempts.find((r) => r.statusCode === 200)!).data;
  const stored = body(await app.inject({ url: adwani })).data;
  t.equal(stored.position, winner.position, 'the stored record is the one write that succeeded');
  t.equal(stored.version, 2, 'one version bump');
});

t.test('the version check runs inside the write transaction', async (t) => {
  const app = await build(t);
  const organisations = writesOf(app).organisations;
  const org = await organisations.create({ slug: 'جهة', name: 'جهة', kind: 'other' });
  await organisations.replace(org.id, { slug: 'جهة', name: 'جهة 2', kind: 'other' }, undefined, { expectedVersion: 1 });
  await t.rejects(
    organisations.replace(org.id, { slug: 'جهة', name: 'جهة 3', kind: 'other' }, undefined, { expectedVersion: 1 }),
    { code: 'precondition_failed' },
    'a replace expecting an older version is refused',
  );
  await t.rejects(organisations.remove(org.id, undefined, { expectedVersion: 1 }), { code: 'precondition_failed' });
  t.equal((await storedRecord(app, storesOf(app.services).organisations, org.id)).name, 'جهة 2', 'nothing was written');
  t.equal(await organisations.replace('nothing', { slug: 'x', name: 'x', kind: 'other' }, undefined, { expectedVersion: 1 }), null);
  t.ok(await organisations.remove(org.id, undefined, { expectedVersion: 2 }));
});

t.test('REQUIRE_IF_MATCH=true: writes without If-Match get 428', async (t) => {
  const app = await build(t, { requireIfMatch: true });
  for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
    const response = await app.inject(method === 'DELETE' ? { method, url: adwani, headers: auth } : { method, url: adwani, headers: json, payload: {} });
    t.equal(response.statusCode, 428, method);
    t.equal(body(response).code, 'precondition_required');
  }
  t.equal((await app.inject({ method: 'PATCH', url: adwani, payload: {} })).statusCode, 401, 'authentication comes first');
  const etag = (await app.inject({ url: adwani })).headers.etag as string;
  t.equal((await app.inject({ method: 'PATCH', url: adwani, headers: { ...json, 'if-match': etag }, payload: {} })).statusCode, 200);
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'س', name: 'س', kind: 'other' } });
  t.equal(created.statusCode, 201, 'creation needs no If-Match');
});

t.test('a page or a record that embeds keeps one ETag exactly while its bytes stay the same, though the tag is not hashed from them', async (t) => {
  const app = await build(t);
  const ministry = await storedRecord(app, storesOf(app.services).organisations, 'وزارة-الداخلية-الكويتية');
  const adwani = await storedRecord(app, storesOf(app.services).people, 'علي-العدواني');
  const [article] = await firstRecords(app, storesOf(app.services).articles);
  // An article that stays, about the records the test changes: the listed one is deleted on the way.
  const { id: aboutBoth } = await writesOf(app).articles.create({
    slug: 'عن-العدواني-والوزارة',
    title: 'عن العدواني والوزارة',
    language: 'ar',
    body: [{ type: 'paragraph', text: 'نص' }],
    person_ids: [adwani.id],
    organisation_ids: [ministry.id],
  });
  const pages = [
    '/v1/articles?limit=100&include=people,organisations,meetings',
    '/v1/organisations?limit=100&include=parent,children,members.person,meetings,articles',
    '/v1/people?limit=100&include=affiliations.organisation,meetings,articles',
    '/v1/meetings?limit=100&include=host,participants.person,participants.organisation,organisations,articles',
    '/v1/people?limit=100&include=articles&fields=name&fields[articles]=title',
    // One record shaped by include or fields is tagged the same way.
    `/v1/articles/${aboutBoth}?include=people,organisations,meetings`,
    `/v1/organisations/${ministry.id}?include=parent,children,members.person,meetings,articles`,
    `/v1/people/${adwani.id}?include=affiliations.organisation,meetings,articles&fields=name&fields[articles]=title`,
  ];
  const read = async () => Promise.all(pages.map(async (url) => app.inject({ url })));
  let before = await read();
  /** After a write: the pages whose bytes changed, each of which must have a new tag; every page with the same tag must have the same bytes. */
  async function changedBy(write: () => Promise<unknown>): Promise<string[]> {
    await write();
    const after = await read();
    const changed = pages.filter((url, i) => {
      const [old, now] = [before[i]!, after[i]!];
      t.equal(now.statusCode, 200, url);
      if (now.headers.etag === old.headers.etag) t.equal(now.body, old.body, `${url}: the same tag, the same bytes`);
      else t.not(now.body, old.body, `${url}: a new tag for new bytes`);
      return now.body !== old.body;
    });
    before = after;
    return changed;
  }
  const { id, version, created_at, updated_at, ...person } = await storedRecord(app, storesOf(app.services).people, adwani.id);
  t.ok((await changedBy(() => writesOf(app).people.replace(adwani.id, { ...person, name: `${adwani.name} (تعديل)` }))).includes(pages[0]!), 'renaming an embedded person changes the articles page');
  const about = await changedBy(() =>
    writesOf(app).articles.create({ slug: 'خبر-عن-الوزارة', title: 'خبر عن الوزارة', language: 'ar', body: [{ type: 'paragraph', text: 'نص' }], organisation_ids: [ministry.id] }),
  );
  t.ok(about.includes(pages[1]!), "a new article about the ministry changes the organisations page, though the ministry's own record did not change");
  t.ok((await changedBy(() => writesOf(app).articles.remove(article!.id))).length > 0, 'deleting an embedded article changes pages');
  t.same(await changedBy(() => writesOf(app).organisations.create({ slug: 'لجنة-منفصلة', name: 'لجنة منفصلة', kind: 'committee' })), [pages[1]], 'a new organisation changes its list only');
  const unchanged = await Promise.all(pages.map((url, i) => app.inject({ url, headers: { 'if-none-match': before[i]!.headers.etag as string } })));
  t.same(
    unchanged.map((response) => response.statusCode),
    pages.map(() => 304),
    'unchanged pages answer 304',
  );
});
