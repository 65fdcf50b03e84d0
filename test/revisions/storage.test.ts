import { inflateRawSync } from 'node:zlib';
import t from 'tap';
import { auth, body, build } from '../helper.js';

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

t.test('an article revision is stored deflated, without the body text a read derives, and read as the GET body', async (t) => {
  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: article });
  t.equal(created.statusCode, 201);
  const { id } = body(created).data;
  const record = body(await app.inject({ url: `/v1/articles/${id}` })).data;
  const stored = app.database.sqlite.prepare("select typeof(snapshot) as type, snapshot from revisions where resource = 'articles' and record_id = ? and n = 1").get(id) as {
    type: string;
    snapshot: Buffer;
  };
  t.equal(stored.type, 'blob');
  const { body_text, ...withoutBodyText } = record;
  t.equal(body_text, article.body.map((block) => block.text).join('\n\n'), 'the GET body has the plain text');
  t.same(JSON.parse(inflateRawSync(stored.snapshot).toString()), withoutBodyText, 'the snapshot is the record without body_text, deflated');
  t.ok(stored.snapshot.length * 4 < Buffer.byteLength(JSON.stringify(record)), `${stored.snapshot.length} bytes for a record of ${Buffer.byteLength(JSON.stringify(record))}`);

  const revision = await app.inject({ url: `/v1/articles/${id}/revisions/1`, headers: auth });
  t.equal(revision.statusCode, 200);
  t.equal(JSON.stringify(body(revision).data.record), JSON.stringify(record), 'the revision’s record is the GET body, field for field in its order');
});

t.test('a revision stored before snapshots were deflated (the whole record as JSON text) reads the same', async (t) => {
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
  const asText = app.database.sqlite.prepare("update revisions set snapshot = ? where resource = 'articles' and record_id = ? and n = ?");
  for (const n of [1, 2]) asText.run(JSON.stringify(body(await app.inject({ url: `/v1/articles/${id}/revisions/${n}`, headers: auth })).data.record), id, n);
  t.same(app.database.sqlite.prepare('select distinct typeof(snapshot) from revisions where record_id = ?').pluck().all(id), ['text']);
  t.same(await reads(), deflated, 'revisions and their diff answer the same bytes');

  const restored = await app.inject({ method: 'POST', url: `/v1/articles/${id}/revisions/1/restore`, headers: auth });
  t.equal(restored.statusCode, 200);
  t.equal(body(restored).data.title, article.title, 'and a text revision is restored');
});
