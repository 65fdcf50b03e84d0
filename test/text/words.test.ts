import fc from 'fast-check';
import t from 'tap';
import { analyse } from '../../src/core/search/indexer.js';
import { parseQuery, type Term } from '../../src/core/search/query.js';
import { makeSnippet } from '../../src/core/search/snippet.js';
import { normaliseArabic } from '../../src/core/text/arabic.js';
import { nameIndex, spellingsOf } from '../../src/core/text/linking.js';
import { arabicPrefixOf, articlePrefixes } from '../../src/core/text/stem.js';
import { attachedPrefixes, readingsOf, wordAround, wordFrom, words } from '../../src/core/text/words.js';

/** Sentences of the seed, as the seed spells them, and their words in normalised spelling, read by hand. */
const seedSentences: Array<[string, string[]]> = [
  ['العدواني بحث مع وفد من «الداخلية» السعودية تعزيز التعاون الأمني وتبادل الخبرات', ['العدواني', 'بحث', 'مع', 'وفد', 'من', 'الداخليه', 'السعوديه', 'تعزيز', 'التعاون', 'الامني', 'وتبادل', 'الخبرات']],
  [
    'عقد وكيل وزارة الداخلية الكويتي المؤقت اللواء علي العدواني اجتماعًا مع وفد رفيع المستوى',
    ['عقد', 'وكيل', 'وزاره', 'الداخليه', 'الكويتي', 'المؤقت', 'اللواء', 'علي', 'العدواني', 'اجتماعا', 'مع', 'وفد', 'رفيع', 'المستوي'],
  ],
  [
    'وتعد هذه الزيارة جزءًا من سلسلة تبادل الزيارات والاجتماعات بين الجانبين، بهدف تحقيق التكامل الأمني والإداري',
    ['وتعد', 'هذه', 'الزياره', 'جزءا', 'من', 'سلسله', 'تبادل', 'الزيارات', 'والاجتماعات', 'بين', 'الجانبين', 'بهدف', 'تحقيق', 'التكامل', 'الامني', 'والاداري'],
  ],
];

const field = (text: string) => [{ path: 'body', text }];

/** The words of a text as each part sees them: what search indexes, what a query reads, what linking keys a name by, what a snippet marks. */
function wordsSeenBy(text: string) {
  const asWords = (terms: Term[]) => terms.flatMap((term) => (term.kind === 'phrase' ? term.words : [term.word]));
  const query = asWords(parseQuery(`"${text}"`));
  const snippet = makeSnippet(
    field(text),
    query.map((word) => ({ kind: 'word', word })),
  );
  return {
    index: analyse(field(text)).words.split(' '),
    query,
    // The first word of a name is keyed without its article; the seed sentences below start without one.
    linking: spellingsOf(text)[0]!.split(' '),
    snippet: snippet.matches.map((m) => normaliseArabic(snippet.text.slice(m.start, m.end))),
  };
}

t.test('search, its queries, linking and snippets read the same words in the seed', async (t) => {
  for (const [text, expected] of seedSentences.slice(1)) {
    const seen = wordsSeenBy(text);
    t.same(seen, { index: expected, query: expected, linking: expected, snippet: expected }, text);
  }
});

t.test('a word is a run of letters, digits and marks, before normalisation as after it', async (t) => {
  for (const [text, expected] of seedSentences) {
    const original = words(text);
    t.same(
      original.map((w) => normaliseArabic(w.text)),
      expected,
      `the original's words: ${text}`,
    );
    t.same(
      words(normaliseArabic(text)).map((w) => w.text),
      expected,
      `the normalised words: ${text}`,
    );
    for (const w of original) t.equal(text.slice(w.start, w.end), w.text, `offsets of ${w.text}`);
  }
  t.same(
    words('اجتماعًا').map((w) => w.text),
    ['اجتماعًا'],
    'the tanwin stays in its word',
  );
  t.same(
    words('«الداخلية» السعودية، 2026-11 (test)…').map((w) => w.text),
    ['الداخلية', 'السعودية', '2026', '11', 'test'],
  );
  t.same(words(' ،.؟!*"()😀\ud800'), [], 'punctuation, symbols and a lone surrogate are no words');
  t.same(
    words('العدواني𠀀 x').map((w) => w.text),
    ['العدواني𠀀', 'x'],
    'a letter outside the BMP continues a word',
  );
});

t.test('a word read outward from one of its characters, or found from a word end, is the word `words` reads there', async (t) => {
  // Letters, a mark, digits, separators, a letter and a symbol outside the BMP, and a lone surrogate.
  const text = fc.array(fc.constantFrom('ا', 'ل', 'ب', 'ً', '3', 'x', ' ', '،', '«', '\n', '𠀀', '😀', '\ud800'), { maxLength: 40 }).map((parts) => parts.join(''));
  const property = fc.property(text, (text) => {
    const found = words(text);
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    // Every offset of a word's characters (a surrogate pair's first unit).
    const starts = (w: { start: number; end: number }) => Array.from({ length: w.end - w.start }, (_, k) => w.start + k).filter((at) => !/[\udc00-\udfff]/.test(text[at]!));
    const around = found.every((w) => starts(w).every((at) => same(wordAround(text, at), w)));
    const next = [0, ...found.map((w) => w.end)].every((from, i) => same(wordFrom(text, from), found[i]));
    return around && next;
  });
  t.doesNotThrow(() => fc.assert(property, { numRuns: 500 }), 'for 500 random texts');
});

t.test('a mark that normalisation keeps does not split a word, for linking as for search', async (t) => {
  // U+08F0 (open fathatan, in Quranic typesetting) is not removed by normalisation; a Latin accent typed apart neither.
  const marked = 'استقبل اللواء العدواني\u08F0ين في مقر وزارة الداخلية';
  const names = nameIndex([{ key: 'adwani', target: 'adwani', names: ['العدواني'] }]);
  t.same(names.find(marked), [], 'linking finds no name inside the longer word');
  t.same(makeSnippet(field(marked), parseQuery('العدواني')).matches, [], 'nor does search');
  t.same(analyse(field(marked)).words.split(' ')[2], 'العدواني\u08F0ين', 'search indexes it as one word');
  t.same(words('Socie\u0301te\u0301 Ge\u0301ne\u0301rale').length, 2, 'accents typed apart stay in their words');
});

t.test('the prefixes Arabic attaches: conjunction, preposition, article, each optional, ل fused with the article', async (t) => {
  t.same(
    new Set(attachedPrefixes.map((p) => p.text)),
    new Set(['و', 'ف', 'ب', 'ك', 'ل', 'وب', 'وك', 'ول', 'فب', 'فك', 'فل', 'ال', 'وال', 'فال', 'بال', 'كال', 'لل', 'وبال', 'وكال', 'ولل', 'فبال', 'فكال', 'فلل']),
  );
  t.notOk(
    attachedPrefixes.some((p) => p.text.endsWith('لال')),
    'ل before the article is written لل, never لال',
  );
  const names = nameIndex([{ key: 'adwani', target: 'adwani', names: ['العدواني'] }]);
  const mentions = (text: string) => names.find(text).map((link) => link.text);
  t.same(mentions('التقى وللعدواني ولالعدواني'), ['للعدواني'], 'the fused لل stays in the mention, the conjunction does not; لال is no prefix');
  t.notOk(spellingsOf('العدواني').includes('لالعدواني'), 'and is no spelling');
  t.same(makeSnippet(field('ولالعدواني'), parseQuery('العدواني')).matches, [], 'search does not read it either');
});

t.test('the prefix stemming takes off is always one linking reads; stemming takes fewer', async (t) => {
  // Seed words, and the prefix the stemmer takes off each, read by hand.
  const cases: Array<[string, string]> = [
    ['والمملكة', 'وال'],
    ['للمواطنين', 'لل'],
    ['بالتنسيق', 'بال'],
    ['فالتبادل', 'فال'],
    ['وتبادل', 'و'],
    ['الإدارية', 'ال'],
    // A bare و is taken off whenever three letters remain, even the word's own (light10, as وكيل in stem.test.ts).
    ['وكالة', 'و'],
    // Words of their own that begin with prefix letters: a stemmer cannot tell, linking checks the names.
    ['وفد', ''],
    ['بين', ''],
    ['بحث', ''],
    ['فنية', ''],
    ['لجان', ''],
  ];
  for (const [word, prefix] of cases) {
    const normalised = normaliseArabic(word);
    t.equal(arabicPrefixOf(normalised), prefix, `the stemmer's prefix of ${word}`);
    const read = readingsOf(normalised).map((reading) => reading.prefix?.text ?? '');
    t.ok(read.includes(prefix), `linking reads ${word} as ${prefix || 'itself'} too (${read.join(' ')})`);
  }
  t.same(
    new Set(articlePrefixes),
    new Set(attachedPrefixes.filter((p) => p.article && p.particles <= 1).map((p) => p.text)),
    'the article prefixes the stemmer takes off are the attached ones with at most one particle',
  );
  t.same(
    readingsOf(normaliseArabic('وكالة')).map((r) => [r.prefix?.text ?? '', r.core]),
    [
      ['', 'وكاله'],
      ['وك', 'اله'],
      ['و', 'كاله'],
    ],
    'وكالة: وكال would leave one letter, so it is no reading',
  );
});
