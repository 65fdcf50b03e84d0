import t from 'tap';
import { databaseOf } from '../../src/core/db/handles.js';
import { auth, body, build } from '../helper.js';

const json = { ...auth, 'content-type': 'application/json' };

t.test("a replace stores every column as the row's SQL types have it, bumps the version and keeps the creation time", async (t) => {
  const app = await build(t);
  const row = (id: string) =>
    databaseOf(app.services).sqlite.prepare('select name, honorific, typeof(honorific) as honorific_type, country, aliases, version, created_at, updated_at from people where id = ?').get(id);
  const payload = { slug: 'شخص-مستبدل', name: 'شخص مستبدل', honorific: 'العقيد', position: null, country: 'KW', aliases: ['أول'] };
  const created = body(await app.inject({ method: 'POST', url: '/v1/people', headers: json, payload })).data;
  const before = row(created.id) as { created_at: string; updated_at: string };

  const replaced = await app.inject({
    method: 'PUT',
    url: `/v1/people/${created.id}`,
    headers: { ...json, 'if-match': '*' },
    payload: { ...payload, name: 'اسم آخر', honorific: null, aliases: ['ثان', 'ثالث'] },
  });
  t.equal(replaced.statusCode, 200);
  t.match(row(created.id), {
    name: 'اسم آخر',
    honorific: null,
    honorific_type: 'null',
    country: 'KW',
    aliases: '["ثان","ثالث"]',
    version: 2,
    created_at: before.created_at,
  });
  t.ok((row(created.id) as { updated_at: string }).updated_at >= before.updated_at, 'a new update time');
  t.equal(body(replaced).data.version, 2);
});
