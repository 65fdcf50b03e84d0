import t from 'tap';
import type { App } from '../../src/app.js';
import { readSourceDocument, seedDatabase } from '../../src/seed/seed.js';
import { alAdwani, alMurabba, civilAffairsAgency, kuwaitInterior, saudiInterior } from '../../src/seed/source-facts.js';
import { normaliseArabic } from '../../src/text/arabic.js';
import { stemArabic, words } from '../../src/text/stem.js';
import { body, build } from '../helper.js';

/**
 * Search quality, measured: labelled queries against the seed plus generated distractor articles.
 * Positives name the seeded records a reader means (spelling variants, diacritics, prefixes, suffixes,
 * phrases, names); each must have recall@5 = 1. Negatives must return nothing at all.
 */

const article = 'article';
const meeting = 'meeting';
type Label = typeof article | typeof meeting | string;

const positives: Array<[query: string, relevant: Label[], what: string]> = [
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

const negatives = [
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
 * Distractors: articles of random words from the source document, minus every word that shares a stem
 * with a word of a positive query. They share the document's vocabulary, prefixes and suffixes, so a
 * distractor in a top 5 or in a negative's results is a false match (over-stemming, a normalisation
 * collision, a phrase or type filter that does not hold), never a second relevant record.
 */
function addDistractors(app: App, count: number) {
  const stemOf = (word: string) => stemArabic(normaliseArabic(word));
  const queried = new Set(positives.flatMap(([query]) => words(normaliseArabic(query)).map((w) => stemArabic(w.text))));
  const vocabulary = [...new Set(readSourceDocument().split(/[\s«»،.؛:()]+/u))].filter((w) => w.length > 1 && !queried.has(stemOf(w)));
  const next = random(2026);
  const pick = (n: number) => Array.from({ length: n }, () => vocabulary[Math.floor(next() * vocabulary.length)]!).join(' ');
  for (let i = 0; i < count; i++) {
    app.repositories.articles.create({
      slug: `مقال-مولد-${i}`,
      title: pick(5 + Math.floor(next() * 6)),
      language: 'ar',
      body: Array.from({ length: 1 + Math.floor(next() * 4) }, () => ({ type: 'paragraph' as const, text: `${pick(20 + Math.floor(next() * 60))}.` })),
    });
  }
  return vocabulary.length;
}

t.test('labelled queries: recall@5 = 1 for every positive, nothing for every negative', async (t) => {
  const app = await build(t);
  const seeded = seedDatabase(app.repositories);
  const idOf = (label: Label) => (label === article ? seeded.article.id : label === meeting ? seeded.meeting.id : seeded.ids.get(label)!);
  const vocabulary = addDistractors(app, 60);
  t.ok(positives.length + negatives.length >= 30, 'at least 30 labelled queries');

  const reciprocalRanks: number[] = [];
  const recalls: number[] = [];
  for (const [query, relevant, what] of positives) {
    const response = await app.inject({ url: `/v1/search?q=${encodeURIComponent(query)}&limit=100` });
    t.equal(response.statusCode, 200, query);
    const ranked: string[] = body(response).data.map((r: { id: string }) => r.id);
    const wanted = relevant.map(idOf);
    const top5 = ranked.slice(0, 5);
    const recall = wanted.filter((id) => top5.includes(id)).length / wanted.length;
    t.equal(recall, 1, `${what}: ${query} (ranks ${wanted.map((id) => ranked.indexOf(id) + 1).join(', ')} of ${ranked.length})`);
    recalls.push(recall);
    const first = ranked.findIndex((id) => wanted.includes(id));
    reciprocalRanks.push(first === -1 ? 0 : 1 / (first + 1));
  }
  for (const query of negatives) {
    const response = await app.inject({ url: `/v1/search?q=${encodeURIComponent(query)}` });
    t.equal(response.statusCode, 200, query);
    t.same(body(response).data, [], `nothing for ${query}`);
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const mrr = mean(reciprocalRanks);
  t.comment(`search quality: ${positives.length} positive and ${negatives.length} negative queries over the seed and 60 distractors (from ${vocabulary} words of its vocabulary): recall@5 = ${mean(recalls).toFixed(3)}, MRR = ${mrr.toFixed(3)}`);
  t.ok(mrr > 0.8, 'the first relevant result is nearly always first');
});
