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

t.test('a PATCH sets only the columns whose values it changes, so no trigger or index entry of another column is touched', async (t) => {
  const app = await build(t);
  const sqlite = databaseOf(app.services).sqlite;
  // SQLite fires an `UPDATE OF column` trigger when the statement sets that column, whatever the value: a witness
  // kept on this connection only (temp), for the columns a summary's PATCH leaves alone and one it sets.
  const watched = ['slug', 'title', 'body', 'status', 'published_at', 'summary'];
  sqlite.exec('create temp table fired (col text not null)');
  for (const col of watched) sqlite.exec(`create temp trigger fired_${col} after update of ${col} on main.articles begin insert into fired values ('${col}'); end`);
  const fired = () => sqlite.prepare('select col from fired order by col').pluck().all();
  const payload = { slug: 'خبر-للتعديل', title: 'خبر للتعديل', language: 'ar', summary: 'ملخص', body: [{ type: 'paragraph', text: 'نص الخبر.' }] };
  const created = body(await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload })).data;
  const stored = () => sqlite.prepare('select slug, title, summary, body, version from articles where id = ?').get(created.id);
  const patch = (change: Record<string, unknown>) =>
    app.inject({ method: 'PATCH', url: `/v1/articles/${created.id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: change });

  t.equal((await patch({ summary: 'ملخص آخر' })).statusCode, 200);
  t.same(fired(), ['summary'], 'only the summary was set');
  t.match(stored(), { slug: 'خبر-للتعديل', title: 'خبر للتعديل', summary: 'ملخص آخر', body: '[{"type":"paragraph","text":"نص الخبر."}]', version: 2 });

  t.equal((await patch({ title: 'عنوان آخر', body: [{ type: 'paragraph', text: 'نص آخر.' }] })).statusCode, 200);
  t.same(fired(), ['body', 'summary', 'title'], 'then the title and the body');
  t.match(stored(), { title: 'عنوان آخر', summary: 'ملخص آخر', body: '[{"type":"paragraph","text":"نص آخر."}]', version: 3 });
  const found = body(await app.inject({ method: 'GET', url: `/v1/search?q=${encodeURIComponent('آخر')}` })).data.map((hit: { id: string }) => hit.id);
  t.ok(found.includes(created.id), 'the new title and body are searchable');
});
