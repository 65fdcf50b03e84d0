import t from 'tap';
import { carriedSections } from '../bench/report.js';

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
