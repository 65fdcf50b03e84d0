import t from 'tap';
import { wordForms } from '../../src/core/search/word-forms.js';
import { normaliseArabic } from '../../src/core/text/arabic.js';

const forms = (word: string) => new Set(wordForms(normaliseArabic(word)));

t.test('a word counts as written with or without a prefix that carries the article', async (t) => {
  t.same(forms('الاجتماعات'), new Set(['الاجتماعات', 'اجتماعات', 'والاجتماعات', 'بالاجتماعات', 'كالاجتماعات', 'فالاجتماعات', 'للاجتماعات']));
  t.same(forms('للاجتماعات'), forms('الاجتماعات'), 'لل stands for ل + ال');
  t.same(forms('فنية'), new Set(['فنيه', 'الفنيه', 'والفنيه', 'بالفنيه', 'كالفنيه', 'فالفنيه', 'للفنيه']), 'a word typed without the article');
});

t.test("a bare و is never taken off: it may be the word's first letter, and the article goes before it", async (t) => {
  t.same(forms('وكيل'), new Set(['وكيل', 'الوكيل', 'والوكيل', 'بالوكيل', 'كالوكيل', 'فالوكيل', 'للوكيل']), 'not كيل, so not «الكيل»');
  t.same(forms('الوكيل'), forms('وكيل'), 'the word typed with the article');
  t.notOk(forms('واصل').has('الاصل'), 'not اصل, so not «الأصل»');
  t.notOk(forms('زار').has('وزار'), 'زار is not written وزار');
});

t.test('forms the stemmer reads as another stem are left out', async (t) => {
  t.notOk(forms('البالغين').has('بالغين'), "alone, بالغين reads as بال + غين: another stem than البالغين's");
  t.notOk(forms('ألم').has('م'), 'too short to lose ال: ألم is not ال + م');
  t.ok(forms('ألم').has('الالم'), 'but it takes the article: الألم');
});
