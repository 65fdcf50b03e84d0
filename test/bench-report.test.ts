import t from 'tap';
import { carriedSections, coresLine } from '../bench/report.js';

const previous = `# Benchmarks

## Storage

| table | MB |
| --- | --- |
| articles | 651.7 |

### At 10,000 articles (not a benchmark run)

Measured by hand.

| all | 10,211 |

## How the benchmark works

- Like for like.

## Scale curve

| articles | get by id req/s |
| --- | --- |
| 10,000 | 363 |

### What grows faster

The search index.
`;

t.test('a one-size run keeps the hand-written sections and the last scale curve of the report it rewrites', async (t) => {
  t.equal(
    carriedSections(previous, false),
    '\n### At 10,000 articles (not a benchmark run)\n\nMeasured by hand.\n\n| all | 10,211 |\n' +
      '\n## Scale curve\n\n| articles | get by id req/s |\n| --- | --- |\n| 10,000 | 363 |\n\n### What grows faster\n\nThe search index.\n',
  );
});

t.test('a run that measures a curve writes its own and keeps only the hand-written sections', async (t) => {
  t.equal(carriedSections(previous, true), '\n### At 10,000 articles (not a benchmark run)\n\nMeasured by hand.\n\n| all | 10,211 |\n');
});

t.test('a first report carries nothing', async (t) => {
  t.equal(carriedSections('', false), '');
});

t.test('the cores line says when the single pinned server did not have its core', async (t) => {
  const side = (serverCores: number) => ({ serverCores, serverUsPerRequest: 81, loaderUsPerRequest: 56, database: null });
  const sides: [string, string] = ['1 worker', '2 workers'];
  const whole = coresLine('1 vs 2', sides, [side(0.97), side(1.6)]);
  t.match(whole, '1 worker 0.97 cores, 81 µs a request (the load generator 56 µs); 2 workers 1.60 cores');
  t.notMatch(whole, 'held back', 'a worker that had its core is not flagged');
  t.notMatch(whole, 'database', 'and no database server is named where none was measured');
  t.match(coresLine('1 vs 2', sides, [side(0.5), side(1.6)]), '1 worker used less than 0.9 of its core: it was held back', 'one that had half of it is');
});

t.test("the cores line gives the database server's CPU beside each side's when it was measured", async (t) => {
  const side = (serverCores: number, cores: number, usPerRequest: number) => ({ serverCores, serverUsPerRequest: 2400, loaderUsPerRequest: 70, database: { cores, usPerRequest } });
  t.equal(
    coresLine('POST', ['khabar', 'baseline'], [side(0.3, 0.25, 2000), side(0.9, 1.04, 1700)]),
    'CPU in POST, medians of the rounds: khabar 0.30 cores, 2400 µs a request (the load generator 70 µs, the database server 0.25 cores and 2000 µs); ' +
      'baseline 0.90 cores, 2400 µs a request (the load generator 70 µs, the database server 1.04 cores and 1700 µs). ' +
      'khabar used less than 0.9 of its core: it was held back, by something else on its core or by waiting.',
  );
});
