import t from 'tap';
import { normaliseArabic } from '../../src/core/text/arabic.js';
import { stemArabic, stripArabicPrefix } from '../../src/core/text/stem.js';

const stem = (word: string) => stemArabic(normaliseArabic(word));

t.test('strips the light10 prefixes when enough of the word remains', async (t) => {
  const cases: Array<[string, string]> = [
    ['الإرهاب', 'ارهاب'],
    ['والإرهاب', 'ارهاب'],
    ['بالتنسيق', 'تنسيق'],
    ['كالعادة', 'عاد'],
    ['فالتبادل', 'تبادل'],
    ['للأحوال', 'احوال'],
    ['وتبادل', 'تبادل'],
    // Too short to lose a prefix: و needs three letters after it, the others two.
    ['ولد', 'ولد'],
    ['الم', 'الم'],
    ['لله', 'لل'], // لل needs two letters after it, but ه still goes
  ];
  for (const [word, expected] of cases) t.equal(stem(word), expected, word);
  t.equal(stripArabicPrefix('والداخليه'), 'داخليه', 'stripArabicPrefix leaves the suffixes');
  t.equal(stripArabicPrefix('دول'), 'دول');
});

t.test('strips the common suffixes in turn, in their normalised spelling', async (t) => {
  const cases: Array<[string, string]> = [
    ['الداخلية', 'داخل'],
    ['الداخليه', 'داخل'],
    ['الدَّاخِلِيَّةِ', 'داخل'],
    ['داخلية', 'داخل'],
    ['العدواني', 'عدوان'],
    ['العدوانى', 'عدوان'],
    ['حرصها', 'حرص'],
    ['البلدان', 'بلد'],
    ['التفاهمات', 'تفاهم'],
    ['المواطنون', 'مواطن'],
    ['المواطنين', 'مواطن'],
    ['مكافحة', 'مكافح'],
    // Every suffix needs two letters before it.
    ['فيه', 'في'],
    ['يه', 'يه'],
    ['بها', 'بها'],
  ];
  for (const [word, expected] of cases) t.equal(stem(word), expected, word);
});

t.test('spelling variants of one word share a stem, so either finds the other', async (t) => {
  const variants = [
    ['الداخلية', 'الداخليه', 'والداخلية', 'بالداخلية', 'الدَّاخِلِيَّة', 'داخلية'],
    ['الإرهاب', 'الارهاب', 'والإرهاب', 'إرهاب', 'الإِرْهَاب'],
    ['العدواني', 'العدوانى', 'العَدْوانيّ', 'والعدواني'],
    // A word whose first letter the stemmer reads as و (and): with the article or without it, the same stem.
    ['وكيل', 'الوكيل', 'والوكيل', 'بالوكيل', 'للوكيل'],
    ['الوزير', 'وزير', 'والوزير'],
    ['الوزارة', 'وزارة', 'بالوزارة'],
  ];
  for (const group of variants) t.same(new Set(group.map(stem)).size, 1, group.join(' / '));
});

t.test('Latin words pass through the stemmer unchanged', async (t) => {
  t.equal(stem('Interior'), 'interior');
  t.equal(stem('ministries'), 'ministries');
});

t.test('distinct words stay apart where a light stem can tell them', async (t) => {
  const pairs: Array<[string, string, string, string, string]> = [
    ['الوزير', 'زير', 'الوزارة', 'زار', 'the minister, the ministry'],
    ['الدخل', 'دخل', 'الداخلية', 'داخل', 'income, the interior'],
    ['التعاون', 'تعا', 'التعاونية', 'تعاون', 'cooperation, a cooperative'],
    ['الوفد', 'وفد', 'الوفاة', 'فا', 'the delegation, the death'],
    ['الأمن', 'امن', 'الأمم', 'امم', 'security, the nations'],
    ['وفد', 'وفد', 'فد', 'فد', 'و is kept when only two letters would remain'],
  ];
  for (const [a, stemA, b, stemB, what] of pairs) {
    t.equal(stem(a), stemA, `${what}: ${a}`);
    t.equal(stem(b), stemB, `${what}: ${b}`);
    t.not(stem(a), stem(b), `${what}: apart`);
  }
});

t.test('distinct words light stemming folds by design (quality.test.ts checks that ranking separates them)', async (t) => {
  const folded: Array<[string, string, string]> = [
    ['وكيل', 'الكيل', 'كيل'],
    ['فنية', 'الفنان', 'فن'],
    ['الاجتماعات', 'الاجتماعية', 'اجتماع'],
    ['الرياضيات', 'الرياضة', 'رياض'],
    ['العمليات', 'العمل', 'عمل'],
    ['المدن', 'المدنية', 'مدن'],
    ['الداخل', 'الداخلية', 'داخل'],
    ['الرئيسية', 'الرئيس', 'رئيس'],
    ['الدول', 'الدولية', 'دول'],
    ['واصل', 'الأصل', 'اصل'],
    ['زار', 'وزارة', 'زار'],
  ];
  for (const [query, other, shared] of folded) t.same([stem(query), stem(other)], [shared, shared], `${query} and ${other} share the stem ${shared}`);
});
