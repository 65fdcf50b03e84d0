import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import t from 'tap';
import { bodyTextStart } from '../../src/core/resources/articles/body-start.js';
import { plainText } from '../../src/core/resources/articles/repository.js';
import { blockTypes } from '../../src/core/resources/articles/table.js';
import { parseQuery } from '../../src/core/search/query.js';
import { makeSnippet, scannedLength } from '../../src/core/search/snippet.js';
import { auth, body, build, readRows, writesOf } from '../helper.js';

/** The first `length` characters of a text as SQL's substr counts them: code points. */
const cut = (text: string, length: number) => Array.from(text).slice(0, length).join('');

// Letters, spaces, and what JSON escapes: quotes, backslashes, line breaks, control characters; and a code point of two units.
const character = fc.constantFrom('ا', 'ب', 'ة', ' ', 'a', '"', '\\', '\n', '\u0001', '\u001f', '😀');
const block = fc.record({ type: fc.constantFrom(...blockTypes), text: fc.string({ unit: character, minLength: 1, maxLength: 40 }) });

t.test('the text read from a cut of the stored body is the start of its plain text, long enough, or null', async (t) => {
  const property = fc.property(fc.array(block, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 200 }), (blocks, units) => {
    const stored = JSON.stringify(blocks);
    const whole = plainText(blocks);
    const length = Array.from(stored).length;
    for (let n = 0; n <= length; n++) {
      const text = bodyTextStart(cut(stored, n), units);
      if (n === length && text === null) return false;
      if (text !== null && !(whole.startsWith(text) && (text.length >= units || text === whole))) return false;
    }
    return true;
  });
  t.doesNotThrow(() => fc.assert(property, { numRuns: 200 }), 'for every cut of 200 random bodies');
});

t.test('twice the units of a news body hold that much of its text', async (t) => {
  const sentence = 'عقد وكيل وزارة الداخلية اجتماعًا مع الوفد لبحث سبل "التعاون" الأمني بين البلدين. ';
  const blocks = [{ type: 'heading' as const, text: 'لقاء أمني' }, ...Array.from({ length: 40 }, (_, i) => ({ type: 'paragraph' as const, text: sentence.repeat(1 + (i % 4)).trim() }))];
  const stored = JSON.stringify(blocks);
  for (const units of [100, 1_000, 5_161]) {
    const text = bodyTextStart(cut(stored, 2 * units), units);
    t.ok(text !== null && text.length >= units && plainText(blocks).startsWith(text), `${units} units from ${2 * units} characters`);
  }
  // Without escapes, every character of the JSON after the block's opening is one of its text.
  const report = [{ type: 'paragraph' as const, text: sentence.replaceAll('"', '').repeat(1_000) }];
  t.equal(bodyTextStart(cut(JSON.stringify(report), 10_322), 5_161), plainText(report).slice(0, 10_322 - '[{"type":"paragraph","text":"'.length), 'one long block, cut');
});

t.test('a body written through the API is stored in the form its start is read from', async (t) => {
  const app = await build(t);
  // Keys in another order than the schema's: the stored JSON follows the schema.
  const blocks = [
    { text: 'ملخص "أول"', type: 'heading' },
    { text: 'فقرة\\ثانية', type: 'paragraph' },
  ];
  const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: auth, payload: { slug: 'ترتيب', title: 'ترتيب', language: 'ar', body: blocks } });
  t.equal(created.statusCode, 201);
  const [{ body: stored }] = (await readRows(app, sql<{ body: string }>`select body from articles where id = ${body(created).data.id}`)) as [{ body: string }];
  t.equal(typeof stored === 'string' && bodyTextStart(stored, 1_000), 'ملخص "أول"\n\nفقرة\\ثانية');
});

t.test('a body whose stored start holds too little of its text is read whole for its snippet', async (t) => {
  const app = await build(t);
  // Blocks of one letter: their JSON is eleven times their text, so twice the units a snippet reads hold a fifth of them.
  const blocks = [...Array.from({ length: 700 }, () => ({ type: 'paragraph' as const, text: 'ب' })), { type: 'paragraph' as const, text: 'زبرجد في آخره' }];
  await writesOf(app).articles.create({ slug: 'قصير', title: 'قصير', language: 'ar', body: blocks });
  const text = plainText(blocks);
  t.ok(text.indexOf('زبرجد') > 2_000 && text.indexOf('زبرجد') < scannedLength, 'a match in the part a snippet scans, past what the start of the JSON holds');
  const response = await app.inject({ url: `/v1/search?q=${encodeURIComponent('زبرجد')}` });
  t.equal(response.statusCode, 200);
  const whole = makeSnippet(
    [
      { path: 'body_text', text },
      { path: 'title', text: 'قصير' },
    ],
    parseQuery('زبرجد'),
  );
  t.same(body(response).data[0].snippet, whole, 'the snippet its whole text gives');
});
