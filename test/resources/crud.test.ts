import type { InjectOptions } from 'fastify';
import t from 'tap';
import { storesOf } from '../../src/core/db/handles.js';
import { organisations as organisationRows } from '../../src/core/resources/organisations/table.js';
import { auth, body, build, countRows, firstRecords, storedRecord, writesOf } from '../helper.js';
import { resourceCases } from './fixtures.js';

const json = { ...auth, 'content-type': 'application/json' };
const serverFields = ({ id, created_at, updated_at, ...rest }: Record<string, unknown>) => rest;

t.test('each resource: create, read, list, replace, patch, delete', async (t) => {
  const app = await build(t);
  for (const c of await resourceCases(app)) {
    await t.test(c.path, async (t) => {
      const created = await app.inject({ method: 'POST', url: `/v1/${c.path}`, headers: json, payload: c.create });
      t.equal(created.statusCode, 201, 'POST answers 201');
      const record = body(created).data;
      t.equal(created.headers.location, `/v1/${c.path}/${record.id}`, 'Location names the new record');
      t.match(record, c.create, 'the record holds what was sent');
      t.match(record.id, /^[0-9a-f-]{36}$/);
      t.equal(record.version, 1);
      t.equal(record.created_at, record.updated_at);

      for (const key of [record.id, encodeURIComponent(record.slug)]) {
        const got = await app.inject({ url: `/v1/${c.path}/${key}` });
        t.equal(got.statusCode, 200, `GET by ${key === record.id ? 'id' : 'slug'}`);
        t.same(body(got).data, record, 'GET returns what POST returned');
      }

      const list = body(await app.inject({ url: `/v1/${c.path}` }));
      t.equal(list.data[0].id, record.id, 'the list is newest first');
      t.equal(list.meta.total, list.data.length);

      const roundTrip = await app.inject({ method: 'PUT', url: `/v1/${c.path}/${record.id}`, headers: json, payload: serverFields(record) });
      t.equal(roundTrip.statusCode, 200, 'a GET body minus server fields is a valid PUT body');
      t.same(serverFields({ ...body(roundTrip).data, version: 1 }), serverFields(record), 'the round trip changes nothing');
      t.equal(body(roundTrip).data.version, 2, 'every write bumps the version');

      const copy = await app.inject({
        method: 'POST',
        url: `/v1/${c.path}`,
        headers: json,
        payload: { ...serverFields(record), slug: `${record.slug}-2` },
      });
      t.equal(copy.statusCode, 201, 'a GET body with a new slug is a valid POST body');

      const patched = await app.inject({
        method: 'PATCH',
        url: `/v1/${c.path}/${record.id}`,
        headers: { ...auth, 'content-type': 'application/merge-patch+json' },
        payload: { ...c.patch, [c.nullable]: null },
      });
      t.equal(patched.statusCode, 200, 'PATCH with merge-patch+json');
      t.match(body(patched).data, c.patch, 'PATCH changes the given fields');
      t.equal(body(patched).data[c.nullable], null, 'null clears a nullable field');
      t.same(
        serverFields({ ...body(patched).data, ...c.create, [c.nullable]: c.create[c.nullable as keyof typeof c.create], version: 0 }),
        serverFields({ ...record, version: 0 }),
        'PATCH keeps the other fields',
      );

      const viaJson = await app.inject({ method: 'PATCH', url: `/v1/${c.path}/${record.slug}`.replace(record.slug, encodeURIComponent(record.slug)), headers: json, payload: {} });
      t.equal(viaJson.statusCode, 200, 'PATCH also takes application/json, by slug');

      const replaced = await app.inject({ method: 'PUT', url: `/v1/${c.path}/${record.id}`, headers: json, payload: c.create });
      t.match(body(replaced).data, c.create, 'PUT replaces the whole record');

      const deleted = await app.inject({ method: 'DELETE', url: `/v1/${c.path}/${record.id}`, headers: auth });
      t.equal(deleted.statusCode, 204);
      t.equal(deleted.body, '');
      t.equal((await app.inject({ url: `/v1/${c.path}/${record.id}` })).statusCode, 404, 'gone after DELETE');
      t.equal((await app.inject({ method: 'DELETE', url: `/v1/${c.path}/${record.id}`, headers: auth })).statusCode, 404);
    });
  }
});

t.test('each resource: the errors a client can cause', async (t) => {
  const app = await build(t);
  for (const c of await resourceCases(app)) {
    await t.test(c.path, async (t) => {
      const problem = async (request: InjectOptions, status: number, code: string) => {
        const response = await app.inject(request);
        t.equal(response.statusCode, status, `${code}: status`);
        t.match(response.headers['content-type'], /^application\/problem\+json/, `${code}: problem+json`);
        const doc = body(response);
        t.match(doc, { type: `urn:khabar:problem:${code}`, status, code, title: String, detail: String });
        return doc;
      };
      const url = `/v1/${c.path}`;
      const unknown = `${url}/01a224ea-0000-7000-8000-000000000000`;

      const extra = await problem({ method: 'POST', url, headers: json, payload: { ...c.create, colour: 'blue' } }, 400, 'validation_failed');
      t.match(extra.errors, [{ path: 'body', message: /colour/ }], 'unknown properties are named');
      const missing = await problem({ method: 'POST', url, headers: json, payload: { slug: 'x' } }, 400, 'validation_failed');
      t.ok(missing.errors.length >= 1, 'each missing field is listed');
      await problem({ method: 'POST', url, headers: json, payload: { ...c.create, slug: 'not a slug' } }, 400, 'validation_failed');
      await problem({ method: 'POST', url, headers: json, payload: '{"slug": ' }, 400, 'malformed_body');
      await problem({ method: 'POST', url, headers: { ...auth, 'content-type': 'text/csv' }, payload: 'a,b' }, 415, 'unsupported_media_type');
      await problem({ url: unknown }, 404, 'not_found');
      await problem({ method: 'PUT', url: unknown, headers: json, payload: c.create }, 404, 'not_found');
      await problem({ method: 'PATCH', url: unknown, headers: json, payload: {} }, 404, 'not_found');
      await problem({ url: `${url}?limit=500` }, 400, 'validation_failed');
      await problem({ url: `${url}?sortt=name` }, 400, 'validation_failed');
      await problem({ url: `${url}?cursor=@@@` }, 400, 'validation_failed');

      t.equal((await app.inject({ method: 'POST', url, headers: json, payload: c.create })).statusCode, 201);
      const taken = await problem({ method: 'POST', url, headers: json, payload: c.create }, 409, 'slug_taken');
      t.same(taken.errors, [{ path: 'slug', message: 'already in use' }], 'the conflicting field is named');
      const dangling = await problem({ method: 'POST', url, headers: json, payload: { ...c.create, slug: 'other', ...c.reference } }, 422, 'unknown_reference');
      t.equal(dangling.errors[0].path, c.referencePath, 'the dangling reference is named');
      const count = body(await app.inject({ url })).meta.total;
      await problem({ method: 'PATCH', url: `${url}/${encodeURIComponent(c.create.slug)}`, headers: json, payload: { slug: null } }, 400, 'validation_failed');
      t.equal(body(await app.inject({ url })).meta.total, count, 'failed writes store nothing');
    });
  }
});

t.test('every write route answers 401 without a valid token', async (t) => {
  const app = await build(t);
  const routes = (await resourceCases(app)).flatMap((c) => [
    ['POST', `/v1/${c.path}`],
    ['PUT', `/v1/${c.path}/x`],
    ['PATCH', `/v1/${c.path}/x`],
    ['DELETE', `/v1/${c.path}/x`],
  ]);
  for (const [method, url] of routes) {
    const challenges = [
      [{}, 'Bearer realm="khabar"'],
      [{ authorization: 'Bearer wrong-token-0123456789' }, 'Bearer realm="khabar", error="invalid_token"'],
      [{ authorization: 'Basic dXNlcjpwYXNz' }, 'Bearer realm="khabar"'],
    ] as const;
    for (const [headers, challenge] of challenges) {
      const response = await app.inject({ method: method as 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: {} });
      t.equal(response.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}`);
      t.equal(response.headers['www-authenticate'], challenge);
    }
  }
  const disabled = await build(t, { apiTokens: [] });
  const refused = await disabled.inject({ method: 'DELETE', url: '/v1/people/x', headers: auth });
  t.equal(refused.statusCode, 401, 'with no API_TOKENS every write is refused');
  t.match(body(refused).detail, /writes are disabled/);
});

t.test('pages: limit, cursor and links walk the whole list once', async (t) => {
  const app = await build(t);
  for (let i = 0; i < 7; i++) {
    await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: `org-${i}`, name: `منظمة ${i}`, kind: 'other' } });
  }
  const seen: string[] = [];
  let url: string | null = '/v1/organisations?limit=3';
  while (url) {
    const page: { data: { slug: string }[]; meta: { total: number; next_cursor: string | null }; links: { next: string | null } } = body(await app.inject({ url }));
    t.ok(page.data.length <= 3);
    t.equal(page.meta.total, 10);
    seen.push(...page.data.map((o) => o.slug));
    t.equal(page.links.next === null, page.meta.next_cursor === null);
    url = page.links.next;
  }
  t.equal(seen.length, 10);
  t.equal(new Set(seen).size, 10, 'no record twice');
  t.same(seen.slice(0, 3), ['org-6', 'org-5', 'org-4'], 'newest first');
});

t.test('deleting a referenced record: cascade for links, 409 for structure', async (t) => {
  const app = await build(t);
  const saudi = await storedRecord(app, storesOf(app.services).organisations, 'وزارة-الداخلية-السعودية');
  const kuwait = await storedRecord(app, storesOf(app.services).organisations, 'وزارة-الداخلية-الكويتية');
  const parentRefusal = await app.inject({ method: 'DELETE', url: `/v1/organisations/${saudi.id}`, headers: auth });
  t.equal(parentRefusal.statusCode, 409, 'a parent organisation is not deleted');
  t.match(body(parentRefusal).detail, /parent/);
  const hostRefusal = await app.inject({ method: 'DELETE', url: `/v1/organisations/${kuwait.id}`, headers: auth });
  t.equal(hostRefusal.statusCode, 409, 'a meeting host is not deleted');
  t.match(body(hostRefusal).detail, /hosts meetings/);

  const murabba = await storedRecord(app, storesOf(app.services).people, 'صالح-المربع');
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/people/${murabba.id}`, headers: auth })).statusCode, 204);
  const meeting = (await firstRecords(app, storesOf(app.services).meetings))[0]!;
  t.notOk(
    meeting.participants.some((p) => p.person_id === murabba.id),
    'participation goes with the person',
  );
  t.notOk((await firstRecords(app, storesOf(app.services).articles))[0]!.person_ids.includes(murabba.id), 'article links go with the person');

  const agency = await storedRecord(app, storesOf(app.services).organisations, 'وكالة-وزارة-الداخلية-للأحوال-المدنية');
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/organisations/${agency.id}`, headers: auth })).statusCode, 204);
  t.notOk((await storedRecord(app, storesOf(app.services).meetings, meeting.id)).organisation_ids.includes(agency.id), 'a deleted organisation leaves the meeting');

  const cycle = await app.inject({ method: 'PATCH', url: `/v1/organisations/${saudi.id}`, headers: json, payload: { parent_id: saudi.id } });
  t.equal(cycle.statusCode, 422, 'an organisation cannot be its own parent');
});

t.test('write listeners run inside the write transaction, with the writer named', async (t) => {
  const app = await build(t);
  const events: string[] = [];
  storesOf(app.services).organisations.onWrite((event) => {
    events.push(`${event.kind}:${event.context.writer}`);
    if (event.kind !== 'delete' && event.record.name === 'يفشل') throw new Error('listener failed');
  });
  const create = (name: string) => app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: `s-${events.length}`, name, kind: 'other' } });
  t.equal((await create('ينجح')).statusCode, 201);
  t.same(events, ['create:test-editor'], 'the token name reaches the listener');
  const total = () => countRows(app, organisationRows);
  const before = await total();
  await t.rejects(writesOf(app).organisations.create({ slug: 'x-y', name: 'يفشل', kind: 'other', country: null, parent_id: null }));
  t.same(await total(), before, 'a failing listener rolls the write back');
  t.equal(events.at(-1), 'create:system', 'writes outside HTTP are named system');
});

t.test('relation lists keep the order they were written in', async (t) => {
  const app = await build(t);
  const create = async (path: string, payload: object) => body(await app.inject({ method: 'POST', url: `/v1/${path}`, headers: json, payload })).data.id as string;
  const people: string[] = [];
  const organisations: string[] = [];
  for (const n of ['أول', 'ثان', 'ثالث']) {
    people.push(await create('people', { slug: `شخص-${n}`, name: `شخص ${n}`, aliases: [] }));
    organisations.push(await create('organisations', { slug: `جهة-${n}`, name: `جهة ${n}`, kind: 'ministry', aliases: [] }));
  }
  // Neither the id order nor its reverse: the order given is the only way to get it back.
  const order = (list: string[]) => [list[1]!, list[0]!, list[2]!];
  const write = async (method: 'POST' | 'PUT', url: string, subjects: { people: string[]; organisations: string[] }) => {
    const payload = { slug: 'ترتيب', title: 'ترتيب', language: 'ar', body: [{ type: 'paragraph', text: 'نص' }], person_ids: subjects.people, organisation_ids: subjects.organisations };
    const response = await app.inject({ method, url, headers: json, payload });
    t.ok(response.statusCode < 300, `${method} answers ${response.statusCode}`);
    return body(response).data as { id: string; person_ids: string[]; organisation_ids: string[] };
  };
  const given = { people: order(people), organisations: order(organisations) };
  const created = await write('POST', '/v1/articles', given);
  const read = async () => body(await app.inject({ url: `/v1/articles/${created.id}` })).data;
  t.same([created.person_ids, created.organisation_ids], [given.people, given.organisations], 'as written, in the write response');
  t.same([(await read()).person_ids, (await read()).organisation_ids], [given.people, given.organisations], 'and when read');

  const reversed = { people: [...given.people].reverse(), organisations: [...given.organisations].reverse() };
  await write('PUT', `/v1/articles/${created.id}`, reversed);
  t.same([(await read()).person_ids, (await read()).organisation_ids], [reversed.people, reversed.organisations], 'a new order replaces the old');
});
