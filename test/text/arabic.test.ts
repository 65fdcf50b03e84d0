import fc from 'fast-check';
import t from 'tap';
import { normaliseArabic, normaliseWithOffsets, originalSpan } from '../../src/core/text/arabic.js';

t.test('folds the spelling variants a reader types', async (t) => {
  const cases: Array<[string, string]> = [
    ['الدَّاخِلِيَّةُ', 'الداخليه'],
    ['الداخلية', 'الداخليه'],
    ['إرهاب', 'ارهاب'],
    ['أمن', 'امن'],
    ['آفاق', 'افاق'],
    ['ٱلله', 'الله'],
    ['العدوانى', 'العدواني'],
    ['اجتماعًا', 'اجتماعا'],
    ['تعـــاون', 'تعاون'],
    ['کویت', 'كويت'],
    ['٢٠٢٦ و ۱۴۰۵', '2026 و 1405'],
    ['\uFEFB', 'لا'],
    ['ﻛﺘﺎﺏ', 'كتاب'],
    ['Kuwait INTERIOR', 'kuwait interior'],
    ['علي\u200Fالعدواني\u200D', 'عليالعدواني'],
  ];
  for (const [input, expected] of cases) t.equal(normaliseArabic(input), expected, input);
});

t.test('a text folds as its code points fold one by one, astral characters and lone surrogates included', async (t) => {
  const unit = fc.oneof(
    fc.constantFrom(...'ابتةىأإآـًٌٍَُِّْ٣ﻻx Y\u200D'.split('')),
    fc.constantFrom('\uD83D', '\uDE00', '\uD83D\uDE00', '\uD835\uDC00', '\uFEFF'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  fc.assert(
    fc.property(fc.array(unit, { maxLength: 30 }), (units) => {
      const text = units.join('');
      const oneByOne = Array.from(text, (codePoint) => normaliseArabic(codePoint)).join('');
      return normaliseArabic(text) === oneByOne && normaliseWithOffsets(text).text === oneByOne;
    }),
  );
  t.equal(normaliseArabic('مرحبا\uD83D\uDE00 ﻻ'), 'مرحبا\uD83D\uDE00 لا', 'an emoji kept whole, a ligature unfolded');
});

t.test('offsets map every normalised character back to the original text', async (t) => {
  const original = 'اللواءُ عليّ العَدْوانيّ';
  const normalised = normaliseWithOffsets(original);
  t.equal(normalised.text, normaliseArabic(original));
  const start = normalised.text.indexOf('العدواني');
  const [from, to] = originalSpan(normalised, start, start + 'العدواني'.length, original);
  t.equal(original.slice(from, to), 'العَدْوانيّ', 'the span covers the word with its marks');

  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'ابتةىأإآـًٌٍَُِّْ٣x Y\u200D'.split('')), maxLength: 40 }), (s) => {
      const n = normaliseWithOffsets(s);
      const offsets = Array.from({ length: n.text.length + 1 }, (_, i) => n.originalAt(i));
      if (offsets.at(-1) !== s.length) return false;
      for (let i = 0; i < n.text.length; i++) {
        if (normaliseArabic(s.slice(offsets[i], offsets[i]! + 1)) !== n.text[i]) return false;
      }
      return offsets.every((o, i) => i === 0 || o >= offsets[i - 1]!);
    }),
  );
});
