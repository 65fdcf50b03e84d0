import type { Test } from 'tap';
import t from 'tap';
import { nameIndex, spellingsOf } from '../../src/core/text/linking.js';
import { relocateSpans } from '../../src/core/text/spans.js';

const index = nameIndex([
  { key: 'adwani', target: 'adwani', names: ['علي العدواني', 'العدواني', 'اللواء علي العدواني'] },
  { key: 'saudi', target: 'saudi', names: ['وزارة الداخلية السعودية', '«الداخلية» السعودية'] },
  { key: 'kuwait', target: 'kuwait', names: ['وزارة الداخلية الكويتية'] },
  { key: 'ali-1', target: 'ali-1', names: ['علي'] },
  { key: 'ali-2', target: 'ali-2', names: ['علي'] },
  { key: 'short', target: 'short', names: ['ب', ''] },
]);

/** The mentions found in a text, as [text, target] pairs, each checked against its offsets. */
function found(t: Test, text: string): Array<[string, string]> {
  return index.find(text).map((link) => {
    t.equal(text.slice(link.start, link.end), link.text, `offsets of ${link.text}`);
    return [link.text, link.target];
  });
}

t.test('finds names written with spelling variants, diacritics and tatweel', async (t) => {
  t.same(found(t, 'قال العدوانى إن'), [['العدوانى', 'adwani']], 'alef maqsura for yaa');
  t.same(found(t, 'وزارة الداخليه السعوديه'), [['وزارة الداخليه السعوديه', 'saudi']], 'haa for taa marbuta');
  t.same(found(t, 'وِزارَةُ الدّاخِلِيّةِ الكُوَيتيّةِ.'), [['وِزارَةُ الدّاخِلِيّةِ الكُوَيتيّةِ', 'kuwait']], 'harakat, the span keeps its marks');
  t.same(found(t, 'اللواء عـلـي العدوانــي'), [['اللواء عـلـي العدوانــي', 'adwani']], 'tatweel; the longest form wins');
  t.same(found(t, 'إلى «الداخلية» السعودية'), [['الداخلية» السعودية', 'saudi']], 'words joined by quotation marks');
  t.same(
    found(t, 'ٱلعدواني وأُلعدواني'),
    [
      ['ٱلعدواني', 'adwani'],
      ['أُلعدواني', 'adwani'],
    ],
    'alef wasla and hamza forms fold to alef',
  );
  t.same(found(t, 'آلعدواني'), [['آلعدواني', 'adwani']], 'alef madda folds to alef');
});

t.test('finds names behind attached prefixes, and leaves the prefix out of the mention', async (t) => {
  const cases: Array<[string, string]> = [
    ['والعدواني', 'العدواني'],
    ['فالعدواني', 'العدواني'],
    ['بالعدواني', 'العدواني'],
    ['كالعدواني', 'العدواني'],
    ['وبالعدواني', 'العدواني'],
    ['للعدواني', 'للعدواني'],
    ['وللعدواني', 'للعدواني'],
    ['عدواني', 'عدواني'],
    ['ولعلي العدواني', 'علي العدواني'],
  ];
  for (const [text, mention] of cases) t.same(found(t, `التقى ${text} أمس`), [[mention, 'adwani']], text);
  t.same(found(t, 'وبوزارة الداخلية الكويتية'), [['وزارة الداخلية الكويتية', 'kuwait']], 'a name that starts with و keeps it');
  const twice = 'قال العدواني إن العدواني';
  t.same(
    index.find(twice).map((l) => l.start),
    [4, 16],
    'every occurrence',
  );
});

t.test('does not link inside longer words, across sentences, or ambiguous names', async (t) => {
  t.same(found(t, 'العدوانيين والعدوانية'), [], 'a name inside a longer word');
  t.same(found(t, 'مستعدواني'), [], 'letters before the name that are not prefixes');
  t.same(found(t, 'وزارة الداخلية، السعودية'), [], 'a comma breaks a name');
  t.same(found(t, 'وزارة الداخلية'), [], 'part of a name');
  t.same(found(t, 'قال علي'), [], 'a name two entities share is not linked');
  t.same(found(t, 'عليها'), [], 'the shared name inside a word');
  t.same(found(t, 'قال العدواني😀 ثم'), [['العدواني', 'adwani']], 'a symbol after a name ends the word');
  t.same(found(t, 'العدواني𠀀 و\ud800العدواني'), [['العدواني', 'adwani']], 'a letter outside the BMP continues the word; a lone surrogate does not');
  t.same(found(t, 'ب ب'), [], 'names shorter than two letters are not indexed');
});

t.test('linking costs one look-up per word, whatever the number of names', async (t) => {
  const many = Array.from({ length: 20_000 }, (_, i) => ({ key: `p${i}`, target: `p${i}`, names: [`شخص${i} الاسم${i}`] }));
  const big = nameIndex([...many, { key: 'adwani', target: 'adwani', names: ['العدواني'] }]);
  const text = 'استقبل اللواء العدواني شخص19999 الاسم19999 و'.repeat(200);
  const links = big.find(text);
  t.equal(links.length, 400);
  t.same(new Set(links.map((l) => l.target)), new Set(['adwani', 'p19999']));
});

t.test("the index follows one entity's names changing, without being built again", async (t) => {
  const names = nameIndex([
    { key: 'ali-1', target: 'ali-1', names: ['علي'] },
    { key: 'ali-2', target: 'ali-2', names: ['علي', 'علي الصالح'] },
  ]);
  const targets = (text: string) => names.find(text).map((link) => [link.text, link.target]);
  t.same(targets('قال علي'), [], 'shared: not linked');

  names.remove('ali-1', ['علي']);
  t.same(targets('قال علي'), [['علي', 'ali-2']], 'once one of them gives the name up, it names the other');

  names.put({ key: 'ali-1', target: 'ali-1', names: ['علي'] });
  names.put({ key: 'ali-1', target: 'ali-1', names: ['علي'] }, ['علي']);
  t.same(targets('قال علي'), [], 'shared again, however often the same names are put');

  names.put({ key: 'ali-2', target: 'ali-2', names: ['أبو صالح علي الكبير'] }, ['علي', 'علي الصالح']);
  t.same(targets('قال علي الصالح'), [['علي', 'ali-1']], 'a renamed entity loses its old forms');
  t.same(targets('وقال أبو صالح علي الكبير'), [['أبو صالح علي الكبير', 'ali-2']], 'and is found by its new one, longer than any before');

  names.remove('ali-2', ['أبو صالح علي الكبير']);
  names.remove('nobody', ['علي', 'اسم لم يفهرس']);
  t.same(targets('قال أبو صالح علي الكبير'), [['علي', 'ali-1']], 'a removed entity is not found; removing unknown names changes nothing');
});

t.test('a form many entities share stays unlinked until one of them is left, whatever the order of their changes', async (t) => {
  const sharing = Array.from({ length: 5 }, (_, i) => ({ key: `salem-${i}`, target: `salem-${i}`, names: ['سالم المطيري', `سالم ${i}`] }));
  const names = nameIndex(sharing);
  const targets = (text: string) => names.find(text).map((link) => link.target);
  t.same(targets('قال سالم المطيري'), [], 'five share it');
  names.put(sharing[2]!, sharing[2]!.names);
  t.same(targets('قال سالم المطيري'), [], 'one of them put again is not a sixth, nor one fewer');
  for (const gone of [3, 0, 4]) names.remove(`salem-${gone}`, sharing[gone]!.names);
  t.same(targets('قال سالم المطيري'), [], 'two left');
  names.put({ ...sharing[1]!, names: ['سالم 1'] }, sharing[1]!.names);
  t.same(targets('قال سالم المطيري'), ['salem-2'], 'the last to hold it is named by it');
  t.same(targets('قال سالم 1'), ['salem-1'], 'and the one that gave it up keeps its other name');
  names.put(sharing[4]!);
  t.same(targets('قال سالم المطيري'), [], 'shared again when another takes it');
});

t.test('the spellings of a name are the ways a text may write it that linking finds', async (t) => {
  for (const name of ['سالم المطيري', 'العدواني', 'وزارة الداخلية']) {
    const spellings = spellingsOf(name);
    const names = nameIndex([{ key: name, target: name, names: [name] }]);
    t.ok(spellings.length >= 24, `${name}: ${spellings.length} spellings`);
    t.same(
      spellings.filter((spelling) => names.find(`قال ${spelling} أمس`).length !== 1),
      [],
      `${name}: every spelling is linked`,
    );
  }
  t.ok(spellingsOf('سالم المطيري').includes('لسالم المطيري'), 'a prefix the stemmer keeps');
  t.ok(spellingsOf('سالم المطيري').includes('فللسالم المطيري'));
  t.same(spellingsOf('ب'), [], 'a name too short to link has none');
});

t.test('spans follow their text through an edit', async (t) => {
  const before = 'قال العدواني ثم قال العدواني';
  const spans = [
    { start: 4, end: 12, text: 'العدواني' },
    { start: 20, end: 28, text: 'العدواني' },
  ];
  t.same(
    relocateSpans(spans, before, `مقدمة. ${before}`, true),
    [
      { start: 11, end: 19 },
      { start: 27, end: 35 },
    ],
    'an insertion before shifts both',
  );
  t.same(relocateSpans(spans, before, 'قال العدواني ثم قال', true), [{ start: 4, end: 12 }, null], 'a removed mention is gone');
  t.same(
    relocateSpans(spans, before, 'العدواني قال العدواني ثم', true),
    [
      { start: 0, end: 8 },
      { start: 13, end: 21 },
    ],
    'rewritten text: each moves to the nearest free occurrence',
  );
  t.same(relocateSpans(spans, before, 'العدواني', true), [{ start: 0, end: 8 }, null], 'exclusive spans do not share an occurrence');
  t.same(
    relocateSpans(spans, before, 'العدواني', false),
    [
      { start: 0, end: 8 },
      { start: 0, end: 8 },
    ],
    'quotes may share one',
  );
  t.same(
    relocateSpans(spans, before, before, true),
    [
      { start: 4, end: 12 },
      { start: 20, end: 28 },
    ],
    'no change',
  );

  const paragraphs = 'أولى: العدواني\n\nثانية: العدواني\n\nثالثة';
  const inParagraphs = [
    { start: 6, end: 14, text: 'العدواني' },
    { start: 23, end: 31, text: 'العدواني' },
  ];
  t.same(
    relocateSpans(inParagraphs, paragraphs, 'جديدة\n\nثانية: العدواني\n\nثالثة', true),
    [null, { start: 14, end: 22 }],
    'a mention of a removed paragraph is gone even though its text is elsewhere; the other moves with its paragraph',
  );
  t.same(
    relocateSpans(inParagraphs, paragraphs, 'أولى: قال العدواني\n\nثانية: العدواني\n\nثالثة', true),
    [
      { start: 10, end: 18 },
      { start: 27, end: 35 },
    ],
    'a mention of an edited paragraph moves within what replaced it',
  );
});
