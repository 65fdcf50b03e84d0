import { sql } from 'drizzle-orm';
import t from 'tap';
import { cost } from '../budget.js';
import { auth, body, build, readRows } from '../helper.js';

const json = { ...auth, 'content-type': 'application/json' };
const seededSlug = 'العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز';
const paragraphCount = 200_000;
const perBlock = 6_000; // short paragraphs inside a block of at most 20,000 characters

t.test('replacing a 1 MiB body of 200,000 paragraphs takes under a second and 50 MB, and keeps every span on its text', async (t) => {
  const app = await build(t);
  const seeded = body(await app.inject({ url: `/v1/articles/${encodeURIComponent(seededSlug)}` })).data;
  const { id, created_at, updated_at, version, body_text, ...fields } = seeded;
  // Ten one-letter paragraphs over and over: the fewest bytes per paragraph, and none unique.
  const letters = Array.from({ length: paragraphCount }, (_, i) => 'abcdefghij'[i % 10]);
  const blocks = [...seeded.body];
  for (let at = 0; at < paragraphCount; at += perBlock) blocks.push({ type: 'paragraph', text: letters.slice(at, at + perBlock).join('\n\n') });
  const put = (payload: string) => app.inject({ method: 'PUT', url: `/v1/articles/${id}`, headers: json, payload });

  const large = JSON.stringify({ ...fields, body: blocks });
  t.equal((await put(large)).statusCode, 200, 'the large body is stored');
  type Quote = { part: string; start: number | null; end: number | null; quote: string };
  const quotesOf = () => readRows(app, sql<Quote>`select part, start, "end", quote from provenance where article_id = ${id} order by id`);
  const mentionsOf = async () => body(await app.inject({ url: `/v1/articles/${id}/mentions` })).data as Array<{ part: string; start: number; end: number; text: string }>;
  const mentionsBefore = await mentionsOf();
  const quotesBefore = await quotesOf();
  t.ok(mentionsBefore.length >= 18 && quotesBefore.length > 0, `${mentionsBefore.length} mentions and ${quotesBefore.length} quotes to move`);

  const introduction = 'مقدمة جديدة';
  const replacement = JSON.stringify({ ...fields, body: [{ type: 'paragraph', text: introduction }, ...blocks] });
  t.ok(Buffer.byteLength(replacement) > 1_000_000 && Buffer.byteLength(replacement) <= 1024 * 1024, `a body of ${Buffer.byteLength(replacement)} bytes`);
  const { result: replaced, cpuMs, extraBytes } = await cost(() => put(replacement));
  t.equal(replaced.statusCode, 200, 'the replacement is stored');
  t.ok(cpuMs < 1000, `the replacement took ${cpuMs.toFixed(0)} ms of CPU`);
  t.ok(extraBytes < 50 * 1024 * 1024, `and ${(extraBytes / 1024 / 1024).toFixed(1)} MB of memory at most`);

  // Every paragraph moved down by the introduction and its blank line; the title did not change.
  const shift = <S extends { part: string; start: number | null; end: number | null }>(span: S): S =>
    span.part === 'body' && span.start !== null ? { ...span, start: span.start + introduction.length + 2, end: span.end! + introduction.length + 2 } : span;
  const mentionsAfter = await mentionsOf();
  t.same(
    mentionsAfter.map(({ part, start, end, text }) => ({ part, start, end, text })),
    mentionsBefore.map(({ part, start, end, text }) => shift({ part, start, end, text })),
    'the mentions moved with their paragraphs',
  );
  t.same(await quotesOf(), quotesBefore.map(shift), 'and so did the quotes');
  const stored = body(replaced).data;
  for (const mention of mentionsAfter) t.equal((mention.part === 'title' ? stored.title : stored.body_text).slice(mention.start, mention.end), mention.text);
});
