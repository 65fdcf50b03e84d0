import t from 'tap';
import { auth, body, build } from '../helper.js';
import { resourceCases } from '../resources/fixtures.js';

const json = { ...auth, 'content-type': 'application/json' };
const content = ({ id, version, created_at, updated_at, ...rest }: Record<string, unknown>) => rest;

t.test('each resource: a revision per write, its snapshot, diff and restore', async (t) => {
  const app = await build(t);
  for (const c of await resourceCases(app)) {
    await t.test(c.path, async (t) => {
      const url = (id: string, rest = '') => `/v1/${c.path}/${id}/revisions${rest}`;
      const get = async (id: string) => body(await app.inject({ url: `/v1/${c.path}/${id}` })).data;
      const created = body(await app.inject({ method: 'POST', url: `/v1/${c.path}`, headers: json, payload: c.create })).data;
      const first = await get(created.id);
      const patched = await app.inject({ method: 'PATCH', url: `/v1/${c.path}/${created.id}`, headers: json, payload: c.patch });
      t.equal(patched.statusCode, 200);
      const second = await get(created.id);

      const list = await app.inject({ url: url(created.id), headers: auth });
      t.equal(list.statusCode, 200);
      t.same(
        body(list).data.map((r: { n: number; action: string; writer: string }) => [r.n, r.action, r.writer]),
        [
          [2, 'update', 'test-editor'],
          [1, 'create', 'test-editor'],
        ],
        'newest first, numbered from 1, with the token’s name',
      );
      t.same(body(await app.inject({ url: url(created.id, '/1'), headers: auth })).data.record, first, 'revision 1 is the GET body after the create');
      t.same(body(await app.inject({ url: url(encodeURIComponent(created.slug), '/2'), headers: auth })).data.record, second, 'revision 2 is the GET body after the patch, found by slug');

      const diff = body(await app.inject({ url: url(created.id, '/1/diff?to=2'), headers: auth })).data;
      const [field, value] = Object.entries(c.patch)[0]!;
      t.same(
        diff.changes.find((change: { field: string }) => change.field === field),
        { field, before: first[field], after: value },
        'the diff has the patched field before and after',
      );
      t.same(diff.changes.map((change: { field: string }) => change.field).sort(), [field, 'updated_at', 'version'].sort(), 'and nothing else but the server’s fields');

      t.equal((await app.inject({ method: 'DELETE', url: `/v1/${c.path}/${created.id}`, headers: auth })).statusCode, 204);
      const deleted = body(await app.inject({ url: url(created.id, '/3'), headers: auth })).data;
      t.equal(deleted.action, 'delete');
      t.same(deleted.record, second, 'the delete keeps the record as it was');

      const restored = await app.inject({ method: 'POST', url: url(created.id, '/1/restore'), headers: auth });
      t.equal(restored.statusCode, 200, 'a deleted record is restored');
      const now = await get(created.id);
      t.same(content(now), content(first), 'with revision 1’s content under its old id');
      t.same(body(restored).data, now);
      const fourth = body(await app.inject({ url: url(created.id, '/4'), headers: auth })).data;
      t.match(fourth, { n: 4, action: 'restore', writer: 'test-editor' });
      t.same(fourth.record, now, 'the restore is revision 4');

      const again = await app.inject({ method: 'POST', url: url(created.id, '/2/restore'), headers: auth });
      t.equal(again.statusCode, 200, 'a stored record is restored');
      t.same(content(await get(created.id)), content(second));
    });
  }
});

t.test('seeded records start at revision 1, written by the seed', async (t) => {
  const app = await build(t);
  for (const c of await resourceCases(app)) {
    const first = body(await app.inject({ url: `/v1/${c.path}?limit=1` })).data[0];
    const revisions = body(await app.inject({ url: `/v1/${c.path}/${first.id}/revisions`, headers: auth }));
    t.same(
      revisions.data.map((r: { n: number; writer: string; action: string }) => [r.n, r.writer, r.action]),
      [[1, 'seed', 'create']],
      c.path,
    );
  }
});

t.test('restoring a revision whose reference has vanished is a 422', async (t) => {
  const app = await build(t);
  const org = body(await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'مؤقتة', name: 'إدارة مؤقتة', kind: 'agency', aliases: [] } })).data;
  const child = body(
    await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'فرعية', name: 'إدارة فرعية', kind: 'agency', parent_id: org.id, aliases: [] } }),
  ).data;
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/organisations/${child.id}`, headers: json, payload: { parent_id: null } })).statusCode, 200);
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/organisations/${org.id}`, headers: auth })).statusCode, 204);
  const restored = await app.inject({ method: 'POST', url: `/v1/organisations/${child.id}/revisions/1/restore`, headers: auth });
  t.equal(restored.statusCode, 422);
  t.match(restored.headers['content-type'], /^application\/problem\+json/);
  t.match(body(restored), { errors: [{ path: 'parent_id' }] });
  const revisions = body(await app.inject({ url: `/v1/organisations/${child.id}/revisions`, headers: auth })).data;
  t.equal(revisions.length, 2, 'no revision is written');
  t.equal(body(await app.inject({ url: `/v1/organisations/${child.id}` })).data.parent_id, null, 'the record is unchanged');
});

t.test('revision reads need a token; unknown records and revisions are 404, bad numbers 400', async (t) => {
  const app = await build(t);
  const [c] = await resourceCases(app);
  const id = body(await app.inject({ url: `/v1/${c!.path}?limit=1` })).data[0].id;
  const cases: Array<[string, number, Record<string, string>?]> = [
    [`/v1/${c!.path}/${id}/revisions`, 401],
    [`/v1/${c!.path}/${id}/revisions/1`, 401],
    [`/v1/${c!.path}/${id}/revisions/1/diff?to=1`, 401],
    [`/v1/${c!.path}/no-such-record/revisions`, 404, auth],
    [`/v1/${c!.path}/${id}/revisions/2`, 404, auth],
    [`/v1/${c!.path}/${id}/revisions/1/diff?to=9`, 404, auth],
    [`/v1/${c!.path}/${id}/revisions/0`, 400, auth],
    [`/v1/${c!.path}/${id}/revisions/abc`, 400, auth],
    [`/v1/${c!.path}/${id}/revisions/1.5`, 400, auth],
    [`/v1/${c!.path}/${id}/revisions/99999999999`, 400, auth],
    [`/v1/${c!.path}/${id}/revisions/1/diff`, 400, auth],
    [`/v1/${c!.path}/${id}/revisions/1/diff?to=x`, 400, auth],
    [`/v1/${c!.path}/${id}/revisions?limit=0`, 400, auth],
    [`/v1/${c!.path}/${id}/revisions?cursor=-1`, 400, auth],
  ];
  for (const [url, status, headers] of cases) {
    const response = await app.inject({ url, headers: headers ?? {} });
    t.equal(response.statusCode, status, url);
    t.match(response.headers['content-type'], /^application\/problem\+json/, url);
  }
  const restore = await app.inject({ method: 'POST', url: `/v1/${c!.path}/${id}/revisions/1/restore` });
  t.equal(restore.statusCode, 401, 'restore needs a token');
});

t.test('a revision number is decimal digits in the path, in `to` and in `cursor`: what JavaScript would read as a number is a 400', async (t) => {
  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-الأرقام', name: 'لجنة', kind: 'committee' } });
  const { id } = body(created).data;
  // Sixteen revisions, so that 0x10 and 1e1 would name ones that exist.
  for (let n = 2; n <= 16; n++) {
    await app.inject({ method: 'PATCH', url: `/v1/organisations/${id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: { name: `لجنة ${n}` } });
  }
  t.equal((await app.inject({ url: `/v1/organisations/${id}/revisions/16`, headers: auth })).statusCode, 200, 'revision 16 exists');
  t.equal((await app.inject({ url: `/v1/organisations/${id}/revisions/10/diff?to=16`, headers: auth })).statusCode, 200, 'and 10');
  t.equal((await app.inject({ url: `/v1/organisations/${id}/revisions?cursor=10`, headers: auth })).statusCode, 200, 'a decimal cursor');
  const notDecimal = ['0x10', '1e1', '%201', '1%20', '+1', '0b1', '1_0', '١٠', '10.0'];
  for (const n of notDecimal) {
    for (const url of [`/v1/organisations/${id}/revisions/${n}`, `/v1/organisations/${id}/revisions/1/diff?to=${n}`, `/v1/organisations/${id}/revisions?cursor=${n}`]) {
      const response = await app.inject({ url, headers: auth });
      t.equal(response.statusCode, 400, url);
      t.match(response.headers['content-type'], /^application\/problem\+json/, url);
      t.equal(body(response).code, 'validation_failed', url);
    }
    const restore = await app.inject({ method: 'POST', url: `/v1/organisations/${id}/revisions/${n}/restore`, headers: auth });
    t.equal(restore.statusCode, 400, `restore of revision ${n}`);
  }
  t.equal(body(await app.inject({ url: `/v1/organisations/${id}`, headers: auth })).data.version, 16, 'no refused restore wrote');
});

t.test('restore honours If-Match and Idempotency-Key as other writes do', async (t) => {
  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة', name: 'لجنة', kind: 'committee' } });
  const { id } = body(created).data;
  const staleTag = (await app.inject({ url: `/v1/organisations/${id}` })).headers.etag!;
  await app.inject({ method: 'PATCH', url: `/v1/organisations/${id}`, headers: json, payload: { name: 'لجنة عليا' } });
  const revisionCount = async () => body(await app.inject({ url: `/v1/organisations/${id}/revisions`, headers: auth })).data.length;

  const stale = await app.inject({ method: 'POST', url: `/v1/organisations/${id}/revisions/1/restore`, headers: { ...auth, 'if-match': staleTag } });
  t.equal(stale.statusCode, 412, 'a stale ETag is refused');
  t.equal(await revisionCount(), 2, 'and writes nothing');
  const currentTag = (await app.inject({ url: `/v1/organisations/${id}` })).headers.etag!;
  const fresh = await app.inject({ method: 'POST', url: `/v1/organisations/${id}/revisions/1/restore`, headers: { ...auth, 'if-match': currentTag } });
  t.equal(fresh.statusCode, 200, 'the current ETag lets it through');
  t.equal(body(fresh).data.name, 'لجنة');

  const key = { ...auth, 'idempotency-key': 'restore-once' };
  const first = await app.inject({ method: 'POST', url: `/v1/organisations/${id}/revisions/2/restore`, headers: key });
  const replay = await app.inject({ method: 'POST', url: `/v1/organisations/${id}/revisions/2/restore`, headers: key });
  t.equal(replay.statusCode, 200);
  t.equal(replay.headers['idempotent-replayed'], 'true', 'a retry with the same key is a replay');
  t.same(body(replay), body(first));
  t.equal(await revisionCount(), 4, 'one revision for the two requests');
});

t.test('a revision is restored by the record’s slug as by its id', async (t) => {
  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-الاسم', name: 'لجنة', kind: 'committee' } });
  const { id } = body(created).data;
  await app.inject({ method: 'PATCH', url: `/v1/organisations/${id}`, headers: json, payload: { name: 'لجنة عليا' } });
  const restored = await app.inject({ method: 'POST', url: `/v1/organisations/${encodeURIComponent('لجنة-الاسم')}/revisions/1/restore`, headers: auth });
  t.equal(restored.statusCode, 200);
  t.match(body(restored).data, { id, name: 'لجنة', version: 3 }, 'the record the slug names, at revision 1’s content');
  t.match(body(await app.inject({ url: `/v1/organisations/${id}/revisions/3`, headers: auth })).data, { n: 3, action: 'restore' }, 'a restore revision of that record');
});

t.test('a restore of a deleted record with If-Match is refused: a deleted record has no ETag', async (t) => {
  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-محذوفة', name: 'لجنة', kind: 'committee' } });
  const { id } = body(created).data;
  const lastTag = (await app.inject({ url: `/v1/organisations/${id}` })).headers.etag!;
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/organisations/${id}`, headers: auth })).statusCode, 204);

  const refused = await app.inject({ method: 'POST', url: `/v1/organisations/${id}/revisions/1/restore`, headers: { ...auth, 'if-match': lastTag } });
  t.equal(refused.statusCode, 412, 'even the ETag it had when deleted');
  t.equal(body(refused).code, 'precondition_failed');
  t.equal((await app.inject({ url: `/v1/organisations/${id}` })).statusCode, 404, 'and it stays deleted');
  t.equal(body(await app.inject({ url: `/v1/organisations/${id}/revisions`, headers: auth })).data.length, 2, 'with no revision written');
  t.equal((await app.inject({ method: 'POST', url: `/v1/organisations/${id}/revisions/1/restore`, headers: auth })).statusCode, 200, 'without If-Match it is restored');
});

t.test('one route serves every resource’s revisions: another name in its place is an unknown route, as anywhere', async (t) => {
  const app = await build(t);
  const id = body(await app.inject({ url: '/v1/people?limit=1' })).data[0].id;
  for (const [method, url] of [
    ['GET', `/v1/persons/${id}/revisions`],
    ['GET', `/v1/search/${id}/revisions/1`],
    ['GET', `/v1/people-x/${id}/revisions/1/diff?to=1`],
    ['POST', `/v1/Persons/${id}/revisions/1/restore`],
    ['OPTIONS', `/v1/persons/${id}/revisions`],
  ] as const) {
    const response = await app.inject({ method, url, headers: auth });
    t.equal(response.statusCode, 404, `${method} ${url}`);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    t.equal(body(response).code, 'route_not_found');
  }
  const options = await app.inject({ method: 'OPTIONS', url: `/v1/people/${id}/revisions/1/restore` });
  t.equal(options.statusCode, 204, 'a registered resource’s revision path is known');
  t.equal(options.headers.allow, 'OPTIONS, POST');
  const put = await app.inject({ method: 'PUT', url: `/v1/people/${id}/revisions`, headers: auth });
  t.equal(put.statusCode, 405, 'a wrong method on it is 405, not 404');
  t.equal(body(put).code, 'method_not_allowed');
});
