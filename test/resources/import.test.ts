import { eq } from 'drizzle-orm';
import t from 'tap';
import { engineUnder } from '../../src/core/db/handles.js';
import { statement } from '../../src/core/db/statements.js';
import { mentions as mentionRows } from '../../src/core/facts/table.js';
import { articleBodyTextIn, articles } from '../../src/core/resources/articles/table.js';
import { readSourceDocument } from '../../src/core/seed/seed.js';
import { auth, body, build, countRows } from '../helper.js';

const plain = { ...auth, 'content-type': 'text/plain; charset=utf-8' };
const seededSlug = 'العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز';

t.test('a plain-text report becomes an article, linked to the entities it names', async (t) => {
  const app = await build(t);
  const seeded = body(await app.inject({ url: `/v1/articles/${encodeURIComponent(seededSlug)}` })).data;

  const response = await app.inject({ method: 'POST', url: '/v1/articles/import', headers: plain, payload: readSourceDocument() });
  t.equal(response.statusCode, 201);
  const { data: article, mentions } = body(response);
  t.equal(response.headers.location, `/v1/articles/${article.id}`);
  t.equal(article.slug, `${seededSlug}-2`, 'the slug comes from the title, made free');
  t.match(article, { title: seeded.title, language: 'ar', body: seeded.body, body_text: seeded.body_text, version: 1 }, 'parsed as the seed is');

  const stored = body(await app.inject({ url: response.headers.location as string }));
  t.same(stored.data, article, 'stored as answered');
  // body_text is derived twice: by a read in JS, and in SQL for search and mentions; the two must be the same text.
  const { reads } = engineUnder(app.services);
  const storedText = (
    await reads
      .prepare(
        statement
          .select({ text: articleBodyTextIn(reads.dialect) })
          .from(articles)
          .where(eq(articles.id, article.id)),
      )
      .get()
  )?.text;
  t.equal(stored.data.body_text, storedText, 'body_text as answered is the plain text SQL derives');
  const listed = body(await app.inject({ url: `/v1/articles?filter[id][eq]=${article.id}` })).data[0];
  t.equal(listed.body_text, storedText, 'and so is a listed one’s');
  t.same(body(await app.inject({ url: `/v1/articles/${article.id}/mentions` })).data, mentions, 'the mentions are stored');
  for (const m of mentions) {
    t.equal((m.part === 'title' ? article.title : article.body_text).slice(m.start, m.end), m.text);
    t.equal(m.origin, 'auto');
  }
  const count = (slug: string) => mentions.filter((m: any) => m.entity.slug === slug).length;
  t.same(
    [count('علي-العدواني'), count('صالح-المربع'), count('وزارة-الداخلية-الكويتية'), count('وزارة-الداخلية-السعودية'), count('وكالة-وزارة-الداخلية-للأحوال-المدنية')],
    [3, 1, 2, 2, 1],
    'linking finds the names and aliases (not the indirect forms, which only the curated seed records)',
  );

  const third = await app.inject({ method: 'POST', url: '/v1/articles/import?language=ar-KW', headers: { ...auth, 'content-type': 'text/plain' }, payload: '\uFEFFخبر قصير\r\nفقرة.\r\n' });
  t.equal(third.statusCode, 201, 'a BOM and CRLF line ends; charset may be left out');
  t.match(body(third).data, { slug: 'خبر-قصير', title: 'خبر قصير', language: 'ar-KW', body: [{ type: 'paragraph', text: 'فقرة.' }] });
  const punctuation = await app.inject({ method: 'POST', url: '/v1/articles/import', headers: plain, payload: '؟!\nنص.' });
  t.equal(body(punctuation).data.slug, 'article', 'a title without letters still gets a slug');
});

t.test('bad reports are refused with a problem and store nothing', async (t) => {
  const app = await build(t, { bodyLimit: 4096 });
  const total = async () => body(await app.inject({ url: '/v1/articles' })).meta.total;
  const before = await total();
  const cases: Array<[string, Record<string, string>, string | Buffer | undefined, number, string]> = [
    ['empty text', plain, '', 400, 'validation_failed'],
    ['only white space', plain, ' \n\t\n', 400, 'validation_failed'],
    ['a title without a body', plain, 'عنوان فقط\n', 400, 'validation_failed'],
    ['no body at all', auth, undefined, 400, 'validation_failed'],
    ['invalid UTF-8', plain, Buffer.from([0xd8, 0xa7, 0x0a, 0xff, 0xfe, 0x2e]), 400, 'malformed_body'],
    ['a lone surrogate encoded as UTF-8', plain, Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80, 0x2e]), 400, 'malformed_body'],
    ["a NUL, which PostgreSQL's text cannot hold", plain, 'عنوان\nنص\u0000 آخر.', 400, 'malformed_body'],
    ['a title over 500 characters', plain, `${'ع'.repeat(501)}\nنص.`, 400, 'validation_failed'],
    ['another charset', { ...auth, 'content-type': 'text/plain; charset=windows-1256' }, 'a\nb.', 415, 'unsupported_media_type'],
    ['JSON', { ...auth, 'content-type': 'application/json' }, '{"title":"x"}', 415, 'unsupported_media_type'],
    ['over the body limit', plain, `عنوان\n${'ن'.repeat(4096)}.`, 413, 'payload_too_large'],
    ['no token', { 'content-type': 'text/plain' }, 'عنوان\nنص.', 401, 'unauthorized'],
  ];
  for (const [name, headers, payload, status, code] of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/articles/import', headers, ...(payload === undefined ? {} : { payload }) });
    t.equal(response.statusCode, status, `${name}: ${status}`);
    t.match(response.headers['content-type'], /^application\/problem\+json/, `${name}: problem+json`);
    t.equal(body(response).code, code, `${name}: ${code}`);
  }
  const badLanguage = await app.inject({ method: 'POST', url: '/v1/articles/import?language=!!', headers: plain, payload: 'عنوان\nنص.' });
  t.equal(badLanguage.statusCode, 400, 'the language must be a language tag');
  t.equal(await total(), before, 'nothing was stored');
  t.equal(await countRows(app, mentionRows), 18, 'only the seed mentions exist');
});
