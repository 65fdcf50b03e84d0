import type { Test } from 'tap';
import { storesOf } from '../../src/core/db/handles.js';
import { readSourceDocument, seedDatabase } from '../../src/core/seed/seed.js';
import { alAdwani, alMurabba, civilAffairsAgency, kuwaitInterior, saudiInterior } from '../../src/core/seed/source-facts.js';
import { normaliseArabic } from '../../src/core/text/arabic.js';
import type { App } from '../../src/web/app.js';
import { body, jobsOf, writesOf } from '../helper.js';

/**
 * Search quality, measured against labels and distractors written by hand, never with the code under test:
 * - labelled queries against the seed plus generated distractor articles: positives name the seeded records a
 *   reader means (spelling variants, diacritics, prefixes, suffixes, phrases, names), each with recall@5 = 1;
 *   negatives must return nothing;
 * - words that light stemming folds together (found by stemming the source document, the synthetic vocabulary
 *   and common news words, and reading the largest stem groups): for each, records holding the query's word
 *   as written must fill the top 5 (precision@5 = 1) and rank above every record holding only the other word.
 */
const article = 'article';
const meeting = 'meeting';
type Label = typeof article | typeof meeting | string;

export const positives: Array<[query: string, relevant: Label[], what: string]> = [
  ['العدوانى', [alAdwani, article, meeting], 'ى written for ي'],
  ['العَدْوانِيّ', [alAdwani, article, meeting], 'full diacritics'],
  ['عدواني', [alAdwani], 'without the article'],
  ['والعدواني', [alAdwani], 'with و and ال'],
  ['العدوا*', [alAdwani], 'prefix'],
  ['الداخليه', [kuwaitInterior, saudiInterior, civilAffairsAgency], 'ه written for ة'],
  ['الدَّاخِلِيَّة', [kuwaitInterior, saudiInterior, civilAffairsAgency], 'shadda and kasra'],
  ['بالداخلية', [kuwaitInterior, saudiInterior, civilAffairsAgency], 'with بال'],
  ['الارهاب', [article, meeting], 'bare alef for إ'],
  ['والإرهاب', [article, meeting], 'as the text writes it once'],
  ['إرهاب', [article, meeting], 'without the article'],
  ['مكافحه الارهاب', [meeting, article], 'a topic, misspelt'],
  ['"مكافحة الإرهاب"', [meeting, article], 'a topic as a phrase'],
  ['تهريب', [meeting, article], 'the topic التهريب without ال'],
  ['الجريمة المنظمة', [meeting, article], 'two words'],
  ['المربع', [alMurabba], 'a surname'],
  ['صالح المربع', [alMurabba], 'a full name'],
  ['"صالح المربع"', [alMurabba, article], 'a name as a phrase'],
  ['المرب*', [alMurabba], 'a name prefix'],
  ['"التعاون الأمني"', [article, meeting], 'a phrase'],
  ['"التعاون الامني"', [article, meeting], 'a phrase without hamza'],
  ['وزارة الداخلية الكويتية', [kuwaitInterior], 'an organisation name'],
  ['وزاره الداخليه الكويتيه', [kuwaitInterior], 'the name with ه for ة'],
  ['السعوديه', [saudiInterior], 'a country adjective'],
  ['الأحوال المدنية', [civilAffairsAgency, alMurabba], 'the agency and its head'],
  ['للأحوال المدنيه', [civilAffairsAgency, alMurabba], 'with لل'],
  ['وكيل وزارة الداخلية', [alAdwani], 'a position'],
  ['المؤقت', [alAdwani], 'acting, in the position'],
  ['المشرف', [alMurabba], 'supervisor, in the position'],
  ['مقر وزارة الداخلية', [meeting], 'the meeting place'],
  ['تبادل الخبرات', [meeting, article], 'a topic'],
  ['التفاهمات', [meeting, article], 'an outcome'],
  ['لجان فنية مشتركة', [meeting, article], 'an outcome, three words'],
  ['برامج تدريبيه', [meeting, article], 'an outcome with ه'],
  ['اجتماعاً', [article, meeting], 'tanween written on the alef'],
  ['الاجتماعات', [article], 'a plural the text uses once'],
];

export const negatives = [
  'زلزال',
  'كرة القدم',
  'البرلمان الأوروبي',
  'طهران',
  'Kuwait',
  'ministry of interior',
  'دوان',
  'ربع',
  '"الأمني التعاون"',
  '"المربع صالح"',
  'العدواني زلزال',
  'AND OR NOT',
  'NEAR(',
  '"*"',
];

/**
 * Pairs of distinct words that share a light stem, each checked by hand: the query's word in forms a text
 * writes it (with ال، وال، بال، لل in front), and another word the stemmer reads the same. The first three
 * are the issue's, the fourth an audit's (a first letter read as و, behind the article); the others come from reading the largest stem groups of the source document, the
 * synthetic vocabulary and a list of common news words.
 */
export const collisions: Array<{ query: string; forms: string[]; others: string[]; what: string }> = [
  { query: 'وكيل', forms: ['وكيل', 'الوكيل', 'والوكيل', 'بالوكيل', 'للوكيل'], others: ['الكيل', 'كيل', 'والكيل', 'بالكيل', 'للكيل'], what: 'an agent, not the measure: و is its first letter' },
  { query: 'فنية', forms: ['فنية', 'الفنية', 'والفنية', 'بالفنية', 'للفنية'], others: ['الفنان', 'فنان', 'والفنان', 'بالفنان', 'للفنان'], what: 'technical, not the artist' },
  {
    query: 'الاجتماعات',
    forms: ['الاجتماعات', 'والاجتماعات', 'اجتماعات', 'بالاجتماعات', 'للاجتماعات'],
    others: ['الاجتماعية', 'الاجتماعي', 'والاجتماعية', 'اجتماعية', 'بالاجتماعية'],
    what: 'the meetings, not social',
  },
  { query: 'الوزير', forms: ['الوزير', 'وزير', 'والوزير', 'بالوزير', 'للوزير'], others: ['الزير', 'زير', 'والزير', 'بالزير', 'للزير'], what: 'the minister, not the jar: و is its first letter' },
  { query: 'الرياضيات', forms: ['الرياضيات', 'والرياضيات', 'رياضيات', 'بالرياضيات', 'للرياضيات'], others: ['الرياضة', 'الرياضي', 'والرياضة', 'رياضية', 'بالرياضة'], what: 'mathematics, not sport' },
  { query: 'العمليات', forms: ['العمليات', 'والعمليات', 'عمليات', 'بالعمليات', 'للعمليات'], others: ['العمل', 'والعمل', 'عمل', 'بالعمل', 'للعمل'], what: 'operations, not work' },
  { query: 'المدن', forms: ['المدن', 'والمدن', 'مدن', 'بالمدن', 'للمدن'], others: ['المدنية', 'المدني', 'والمدنية', 'مدنية', 'بالمدنية'], what: 'cities, not civil' },
  { query: 'الداخل', forms: ['الداخل', 'والداخل', 'داخل', 'بالداخل', 'للداخل'], others: ['الداخلية', 'الداخلي', 'والداخلية', 'داخلية', 'بالداخلية'], what: 'the inside, not the interior ministry' },
  { query: 'الرئيسية', forms: ['الرئيسية', 'والرئيسية', 'رئيسية', 'بالرئيسية', 'للرئيسية'], others: ['الرئيس', 'والرئيس', 'رئيس', 'بالرئيس', 'للرئيس'], what: 'main, not the president' },
  { query: 'الدول', forms: ['الدول', 'والدول', 'دول', 'بالدول', 'للدول'], others: ['الدولية', 'الدولي', 'والدولية', 'دولية', 'بالدولية'], what: 'states, not international' },
  { query: 'واصل', forms: ['واصل', 'واصل', 'واصل', 'واصل', 'واصل'], others: ['الأصل', 'أصل', 'والأصل', 'بالأصل', 'للأصل'], what: 'he went on, not the origin: و is its first letter' },
  { query: 'زار', forms: ['زار', 'زار', 'زار', 'زار', 'زار'], others: ['وزارة', 'وزاري', 'وزارية', 'وزارة', 'وزاري'], what: 'he visited, not the ministry' },
];

/** Sentences around the word that counts: none holds a word of the collision groups. */
const frames = [
  (word: string) => `أعلن المتحدث باسم الجهة أن ${word} سيكون محور النقاش في الجلسة المقبلة، وأوضح أن التفاصيل ستنشر لاحقا.`,
  (word: string) => `تناول التقرير السنوي مسألة ${word} بشيء من التفصيل، وقدم توصيات للمرحلة القادمة.`,
  (word: string) => `قال مسؤول رفيع إن النقاش حول ${word} استمر ساعات طويلة قبل التوصل إلى صيغة مقبولة.`,
  (word: string) => `نشرت الصحيفة مقالا مطولا عن ${word} تضمن آراء عدد من الخبراء والمختصين.`,
  (word: string) => `أشار البيان الختامي إلى ${word} ضمن جملة من القضايا المطروحة على جدول الأعمال.`,
];
const padding = 'وذكرت مصادر مطلعة أن الترتيبات النهائية ما زالت قيد الدراسة، وأن موعد الإعلان لم يحدد بعد.';

/**
 * A record holding only the other word, made to win whatever else BM25 weighs: the word in a short title and
 * twice in a short body.
 */
const otherWordArticle = (word: string, slug: string) => ({
  slug,
  title: word,
  language: 'ar',
  body: [{ type: 'paragraph' as const, text: `${word} ${word}.` }],
});

/** A record holding the query's word as written once, in a long body under a title without it. */
const queryWordArticle = (word: string, frame: number, slug: string) => ({
  slug,
  title: `متابعة خاصة ${frame + 1}`,
  language: 'ar',
  body: [{ type: 'paragraph' as const, text: `${padding} ${frames[frame]!(word)} ${padding} ${padding}` }],
});

/** A small deterministic generator (mulberry32), so the distractors are the same on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every word of a positive query without the letters ال، و، بال… in front, written by hand. A distractor word
 * that holds one of them is left out, so no distractor holds a word a positive asks for; a word that merely
 * shares a stem with one stays in («الداخل» for الداخلية, «الاجتماعية» for الاجتماعات).
 */
const queriedCores = [
  'عدوان',
  'داخلي',
  'ارهاب',
  'تهريب',
  'جريم',
  'منظم',
  'مربع',
  'صالح',
  'تعاون',
  'امني',
  'وزار',
  'كويت',
  'سعود',
  'احوال',
  'مدني',
  'وكيل',
  'مؤقت',
  'مشرف',
  'مقر',
  'تبادل',
  'خبر',
  'تفاهم',
  'لجان',
  'فني',
  'مشترك',
  'برامج',
  'تدريب',
  'اجتماعات',
  'اجتماعا',
  'مكافح',
];

const holdsQueriedWord = (word: string) => queriedCores.some((core) => normaliseArabic(word).includes(core));

/**
 * Distractors: articles of random words from the source document that hold none of `queriedCores`, and one
 * article for each other word of the collision groups that holds none either. A distractor in a positive's top 5 or in a negative's
 * results is a false match (over-stemming, a normalisation collision, a phrase or type filter that does not
 * hold), never a second relevant record.
 */
async function addDistractors(app: App, count: number) {
  const vocabulary = [...new Set(readSourceDocument().split(/[\s«»،.؛:()]+/u))].filter((w) => w.length > 1 && !holdsQueriedWord(w));
  const next = random(2026);
  const pick = (n: number) => Array.from({ length: n }, () => vocabulary[Math.floor(next() * vocabulary.length)]!).join(' ');
  for (let i = 0; i < count; i++) {
    await writesOf(app).articles.create({
      slug: `مقال-مولد-${i}`,
      title: pick(5 + Math.floor(next() * 6)),
      language: 'ar',
      body: Array.from({ length: 1 + Math.floor(next() * 4) }, () => ({ type: 'paragraph' as const, text: `${pick(20 + Math.floor(next() * 60))}.` })),
    });
  }
  const otherWords = collisions.flatMap(({ others }) => others).filter((word) => !holdsQueriedWord(word));
  for (const [i, word] of otherWords.entries()) await writesOf(app).articles.create(otherWordArticle(word, `كلمة-أخرى-${i}`));
  return { vocabulary: vocabulary.length, otherWords: otherWords.length };
}

export const searchIds = async (app: App, query: string): Promise<string[]> => {
  const response = await app.inject({ url: `/v1/search?q=${encodeURIComponent(query)}&limit=100` });
  if (response.statusCode !== 200) throw new Error(`${query}: ${response.statusCode}`);
  return body(response).data.map((r: { id: string }) => r.id);
};

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** The seed and 60 distractors written into an app, and the record id of each label. */
export async function labelledCorpus(app: App) {
  const seeded = await seedDatabase(jobsOf(app), storesOf(app.services));
  const idOf = (label: Label) => (label === article ? seeded.article.id : label === meeting ? seeded.meeting.id : seeded.ids.get(label)!);
  return { idOf, distractors: await addDistractors(app, 60) };
}

/** A positive's ranked ids against the ids it wants: recall@5, precision@5 and the reciprocal rank of the first wanted. */
export function scorePositive(ranked: string[], wanted: string[]) {
  const top5 = ranked.slice(0, 5);
  const found = wanted.filter((id) => top5.includes(id)).length;
  const first = ranked.findIndex((id) => wanted.includes(id));
  return { recall: found / wanted.length, precision: top5.length === 0 ? 0 : found / top5.length, reciprocalRank: first === -1 ? 0 : 1 / (first + 1) };
}

/** One collision group's records: the query word's forms (relevant) and the other words' (other), by id. */
export async function writeCollisionGroup(app: App, g: number) {
  const { forms, others } = collisions[g]!;
  const relevant: string[] = [];
  for (const [i, word] of forms.entries()) relevant.push((await writesOf(app).articles.create(queryWordArticle(word, i, `الكلمة-${g}-${i}`))).id);
  const other: string[] = [];
  for (const [i, word] of others.entries()) other.push((await writesOf(app).articles.create(otherWordArticle(word, `كلمة-أخرى-${g}-${i}`))).id);
  return { relevant, other };
}

/** Asserts a collision group's ranking: both words found, the query word's records first; resolves its precision@5. */
export function checkCollisionRanking(t: Test, g: number, ranked: string[], { relevant, other }: Awaited<ReturnType<typeof writeCollisionGroup>>): number {
  const { query, others, what } = collisions[g]!;
  t.ok(
    [...relevant, ...other].every((id) => ranked.includes(id)),
    `${query}: light stemming finds both words, so their order is what is measured`,
  );
  const precision = ranked.slice(0, 5).filter((id) => relevant.includes(id)).length / 5;
  t.equal(precision, 1, `${what}: precision@5 of ${query}`);
  const lastRelevant = Math.max(...relevant.map((id) => ranked.indexOf(id)));
  const firstOther = Math.min(...other.map((id) => ranked.indexOf(id)));
  t.ok(lastRelevant < firstOther, `${query}: every record holding ${query} as written ranks above every record holding only ${others.join('، ')}`);
  return precision;
}
