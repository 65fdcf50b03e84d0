import { inflateRawSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import t from 'tap';
import { databaseOf } from '../../src/core/db/handles.js';
import { auth, body, build, readRows, sqliteOnly } from '../helper.js';

const json = { ...auth, 'content-type': 'application/json' };
const sentence = 'اجتمع وزير الداخلية بنظيره في الرياض، وبحثا التعاون الأمني وتبادل المعلومات بين البلدين.';
const paragraph = (sentences: number) => Array(sentences).fill(sentence).join(' ');
const article = {
  slug: 'تقرير-مخزن',
  title: 'تقرير عن الاجتماع',
  language: 'ar',
  body: [
    { type: 'heading', text: 'الاجتماع' },
    { type: 'paragraph', text: paragraph(20) },
    { type: 'paragraph', text: paragraph(10) },
  ],
  person_ids: [],
  organisation_ids: [],
  meeting_ids: [],
};

/** A revision's row as stored: its snapshot's bytes, and whether it holds the relation lists only (SQLite's 1 or 0, PostgreSQL's boolean, read as one). */
async function storedRevision(app: Awaited<ReturnType<typeof build>>, resource: string, id: string, n: number) {
  const [row] = await readRows(
    app,
    sql<{ snapshot: Buffer; relations_only: number | boolean }>`select snapshot, relations_only from revisions where resource = ${resource} and record_id = ${id} and n = ${n}`,
  );
  return { snapshot: row!.snapshot, relations_only: Number(row!.relations_only) };
}
const inflated = (snapshot: Buffer) => JSON.parse(inflateRawSync(snapshot).toString());

t.test('a newest revision stores only its relation lists, an older one the record deflated without the body text a read derives, both read as the GET body', async (t) => {
  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: article });
  t.equal(created.statusCode, 201);
  const { id } = body(created).data;
  const record = body(await app.inject({ url: `/v1/articles/${id}` })).data;
  const newest = await storedRevision(app, 'articles', id, 1);
  t.ok(Buffer.isBuffer(newest.snapshot), 'stored as bytes');
  t.equal(newest.relations_only, 1);
  t.same(inflated(newest.snapshot), { person_ids: [], organisation_ids: [], meeting_ids: [] }, 'the newest revision holds the relation lists alone');
  const read = async (n: number) => {
    const revision = await app.inject({ url: `/v1/articles/${id}/revisions/${n}`, headers: auth });
    t.equal(revision.statusCode, 200);
    return JSON.stringify(body(revision).data.record);
  };
  t.equal(await read(1), JSON.stringify(record), 'the revision’s record is the GET body, field for field in its order');

  t.equal((await app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: json, payload: { title: 'عنوان آخر' } })).statusCode, 200);
  const first = await storedRevision(app, 'articles', id, 1);
  t.equal(first.relations_only, 0);
  const { body_text, ...withoutBodyText } = record;
  t.equal(body_text, article.body.map((block) => block.text).join('\n\n'), 'the GET body has the plain text');
  t.same(inflated(first.snapshot), withoutBodyText, 'once superseded, the snapshot is the record without body_text, deflated');
  t.ok(first.snapshot.length * 4 < Buffer.byteLength(JSON.stringify(record)), `${first.snapshot.length} bytes for a record of ${Buffer.byteLength(JSON.stringify(record))}`);
  t.equal((await storedRevision(app, 'articles', id, 2)).relations_only, 1, 'and the new revision is the newest, relation lists alone');
  t.equal(await read(1), JSON.stringify(record), 'revision 1 still reads as the GET body after the create');
});

t.test('relation lists another record’s write changes are read as the newest revision stored them, before and after the record’s next write', async (t) => {
  const app = await build(t);
  const post = async (path: string, payload: Record<string, unknown>) => body(await app.inject({ method: 'POST', url: `/v1/${path}`, headers: json, payload })).data;
  const get = async (path: string, id: string) => body(await app.inject({ url: `/v1/${path}/${id}` })).data;
  const revision = async (path: string, id: string, n: number) => body(await app.inject({ url: `/v1/${path}/${id}/revisions/${n}`, headers: auth })).data.record;

  const organisation = await post('organisations', { slug: 'هيئة-مؤقتة', name: 'هيئة مؤقتة', kind: 'agency' });
  const person = await post('people', { slug: 'شخص-مؤقت', name: 'شخص مؤقت' });
  const about = await post('articles', { ...article, person_ids: [person.id] });
  const organisationThen = await get('organisations', organisation.id);
  const articleThen = await get('articles', about.id);
  t.same(articleThen.person_ids, [person.id]);

  // Another record's writes: an affiliation adds a member to the organisation, a delete takes the person off the article.
  const affiliated = await app.inject({
    method: 'PATCH',
    url: `/v1/people/${person.id}`,
    headers: { ...auth, 'content-type': 'application/merge-patch+json' },
    payload: { affiliations: [{ organisation_id: organisation.id }] },
  });
  t.equal(affiliated.statusCode, 200);
  t.equal((await get('organisations', organisation.id)).members.length, 1, 'the organisation lists its new member');
  t.same(await revision('organisations', organisation.id, 1), organisationThen, 'the organisation’s revision 1 has no member, as written');
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/people/${person.id}`, headers: auth })).statusCode, 204);
  t.same((await get('articles', about.id)).person_ids, [], 'the article no longer names the deleted person');

  t.same(await revision('articles', about.id, 1), articleThen, 'the article’s revision 1 names the person, as written');

  t.equal((await app.inject({ method: 'PATCH', url: `/v1/articles/${about.id}`, headers: json, payload: { title: 'عنوان آخر' } })).statusCode, 200);
  t.same(await revision('articles', about.id, 1), articleThen, 'and still does once a later write stored it whole');
  t.same((await revision('articles', about.id, 2)).person_ids, [], 'the later revision has the article as it is now');
});

t.test('a revision stored before snapshots were deflated (the whole record as JSON text) reads the same', sqliteOnly('a text snapshot: only SQLite databases predate 0015'), async (t) => {
  const app = await build(t);
  const { id } = body(await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: article })).data;
  const patch = { title: 'عنوان جديد', body: [{ type: 'paragraph', text: sentence }] };
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: json, payload: patch })).statusCode, 200);
  const reads = async () => Promise.all([`/1`, `/2`, `/1/diff?to=2`, `/2/diff?to=1`].map(async (path) => (await app.inject({ url: `/v1/articles/${id}/revisions${path}`, headers: auth })).body));
  const deflated = await reads();
  const changed = ['title', 'body', 'body_text', 'version', 'updated_at'];
  const recordOrder = Object.keys(body(await app.inject({ url: `/v1/articles/${id}` })).data).filter((field) => changed.includes(field));
  t.same(
    body({ body: deflated[2]! }).data.changes.map((change: { field: string }) => change.field),
    recordOrder,
    'the diff has the changed fields, the derived body_text among them, in the record’s order',
  );

  // As migration 0012 wrote it: the record as a GET answered it, body_text included, as JSON text.
  const asText = databaseOf(app.services).sqlite.prepare("update revisions set snapshot = ?, relations_only = 0 where resource = 'articles' and record_id = ? and n = ?");
  for (const n of [1, 2]) asText.run(JSON.stringify(body(await app.inject({ url: `/v1/articles/${id}/revisions/${n}`, headers: auth })).data.record), id, n);
  t.same(databaseOf(app.services).sqlite.prepare('select distinct typeof(snapshot) from revisions where record_id = ?').pluck().all(id), ['text']);
  t.same(await reads(), deflated, 'revisions and their diff answer the same bytes');

  const restored = await app.inject({ method: 'POST', url: `/v1/articles/${id}/revisions/1/restore`, headers: auth });
  t.equal(restored.statusCode, 200);
  t.equal(body(restored).data.title, article.title, 'and a text revision is restored');
});
