import t from 'tap';
import { build } from '../helper.js';
import { checkCollisionRanking, collisions, labelledCorpus, mean, negatives, positives, scorePositive, searchIds, writeCollisionGroup } from './labelled-queries.js';

t.test('labelled queries: recall@5 = 1 for every positive, nothing for every negative', async (t) => {
  const app = await build(t);
  const { idOf, distractors } = await labelledCorpus(app);
  t.ok(positives.length + negatives.length >= 30, 'at least 30 labelled queries');

  const reciprocalRanks: number[] = [];
  const recalls: number[] = [];
  const precisions: number[] = [];
  for (const [query, relevant, what] of positives) {
    const ranked = await searchIds(app, query);
    const wanted = relevant.map(idOf);
    const { recall, precision, reciprocalRank } = scorePositive(ranked, wanted);
    t.equal(recall, 1, `${what}: ${query} (ranks ${wanted.map((id) => ranked.indexOf(id) + 1).join(', ')} of ${ranked.length})`);
    recalls.push(recall);
    precisions.push(precision);
    reciprocalRanks.push(reciprocalRank);
  }
  for (const query of negatives) t.same(await searchIds(app, query), [], `nothing for ${query}`);
  const mrr = mean(reciprocalRanks);
  t.comment(
    `search quality: ${positives.length} positive and ${negatives.length} negative queries over the seed, 60 distractors (from ${distractors.vocabulary} words ` +
      `of its vocabulary) and ${distractors.otherWords} other-word articles: recall@5 = ${mean(recalls).toFixed(3)}, ` +
      `precision@5 = ${mean(precisions).toFixed(3)} (labelled records among the top 5; the seed's other records that hold the words count against it), MRR = ${mrr.toFixed(3)}`,
  );
  t.ok(mrr > 0.8, 'the first relevant result is nearly always first');
});

t.test('words light stemming folds together: the query word as written fills the top 5, above every other word', async (t) => {
  const app = await build(t, { seed: 'never' });
  const precisions: number[] = [];
  for (const [g, { query }] of collisions.entries()) {
    const group = await writeCollisionGroup(app, g);
    precisions.push(checkCollisionRanking(t, g, await searchIds(app, query), group));
  }
  t.comment(`precision@5 over ${collisions.length} stem collisions: ${mean(precisions).toFixed(3)}`);
});
