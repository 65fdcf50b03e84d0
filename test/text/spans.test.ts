import t from 'tap';
import { type Placed, relocateSpans, type Span } from '../../src/core/text/spans.js';
import { cost } from '../budget.js';

const paragraphCount = 200_000;
const second = 1000;
const budgetBytes = 50 * 1024 * 1024;
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Where each paragraph of `texts` starts once they are joined by blank lines. */
const startsOf = (texts: string[]) => {
  const starts: number[] = [];
  texts.reduce((at, text) => {
    starts.push(at);
    return at + text.length + 2;
  }, 0);
  return starts;
};

// Unique paragraphs with a repeated one every seventh: spans name «فقرة» or «تكرار», words found in
// thousands of places, so only matching their paragraph puts them back in the right one.
const before = Array.from({ length: paragraphCount }, (_, i) => (i % 7 === 0 ? 'تكرار' : `فقرة ${i}`));
const spanned = before.map((_, i) => i).filter((i) => i % 100 === 0 || i % 100 === 1);
const beforeStarts = startsOf(before);
const spans: Span[] = spanned.map((i) => ({ start: beforeStarts[i]!, end: beforeStarts[i]! + before[i]!.split(' ')[0]!.length, text: before[i]!.split(' ')[0]! }));

// The edit, and where it takes each paragraph: an introduction, one paragraph deleted, one rewritten
// around its words; everything else unchanged.
const deleted = 50_001;
const rewritten = 100_001;
const order = before.map((_, i) => i).filter((i) => i !== deleted);
const after = ['مقدمة جديدة', ...order.map((i) => (i === rewritten ? `قال ${before[i]} اليوم` : before[i]!))];
const afterStarts = startsOf(after);
const expected = spanned.map((i, k): Placed | null => {
  if (i === deleted) return null;
  const j = order.indexOf(i) + 1;
  const start = afterStarts[j]! + after[j]!.indexOf(spans[k]!.text);
  return { start, end: start + spans[k]!.text.length };
});

t.test('spans move with their paragraphs through an edit of 200,000 paragraphs, in linear time and memory', async (t) => {
  const [beforeText, afterText] = [before.join('\n\n'), after.join('\n\n')];
  for (const exclusive of [true, false]) {
    const { result, cpuMs, extraBytes } = await cost(() => relocateSpans(spans, beforeText, afterText, exclusive));
    const wrong = result.flatMap((place, k) => (JSON.stringify(place) === JSON.stringify(expected[k]) ? [] : [{ span: spans[k], got: place, expected: expected[k] }]));
    t.same(wrong.slice(0, 3), [], `exclusive ${exclusive}: every span is where its paragraph went (${wrong.length} misplaced)`);
    t.ok(cpuMs < second, `exclusive ${exclusive}: ${spans.length} spans in ${cpuMs.toFixed(0)} ms of CPU`);
    t.ok(extraBytes < budgetBytes, `exclusive ${exclusive}: ${megabytes(extraBytes)} of memory at most`);
  }
});

t.test('a body no paragraph of which can be matched still takes linear time and keeps every span on its text', async (t) => {
  // Ten texts over and over, shifted by one paragraph: the longest common subsequence would fill 4·10¹⁰ cells.
  const letters = 'abcdefghij';
  const beforeText = Array.from({ length: paragraphCount }, (_, i) => letters[i % 10]).join('\n\n');
  const afterText = `z\n\n${beforeText.slice(beforeText.indexOf('\n\n', paragraphCount) + 2)}`.replace(/j$/, 'i');
  const manySpans = Array.from({ length: 2000 }, (_, k) => ({ start: k * 300, end: k * 300 + 1, text: beforeText[k * 300]! }));
  for (const exclusive of [true, false]) {
    const { result, cpuMs, extraBytes } = await cost(() => relocateSpans(manySpans, beforeText, afterText, exclusive));
    t.same(
      result.flatMap((place, k) => (place && afterText.slice(place.start, place.end) !== manySpans[k]!.text ? [k] : [])),
      [],
      `exclusive ${exclusive}: every placed span names its text`,
    );
    const placed = result.filter((place): place is Placed => place !== null).sort((a, b) => a.start - b.start);
    if (exclusive)
      t.ok(
        placed.every((place, k) => k === 0 || placed[k - 1]!.end <= place.start),
        'no two spans overlap',
      );
    t.ok(placed.length > 1900, `${placed.length} of ${manySpans.length} spans kept`);
    t.ok(cpuMs < second, `exclusive ${exclusive}: ${cpuMs.toFixed(0)} ms of CPU`);
    t.ok(extraBytes < budgetBytes, `exclusive ${exclusive}: ${megabytes(extraBytes)} of memory at most`);
  }
});

t.test('exclusive spans crowding into one stretch step over each other at once', async (t) => {
  // 300 spans of 300 letters, rewritten into one run where every position starts an occurrence: each
  // span takes the next free slot, stepping over the spans before it a whole span at a time.
  const [count, length] = [300, 300];
  const word = 'ا'.repeat(length);
  const beforeText = `قبل ${Array(count).fill(word).join(' ')}`;
  const crowd = Array.from({ length: count }, (_, k) => ({ start: 4 + k * (length + 1), end: 4 + k * (length + 1) + length, text: word }));
  const afterText = `بعد ${'ب'.repeat(count * (length + 1))}${word.repeat(count)}`;
  const runStart = afterText.indexOf(word);
  const { result, cpuMs } = await cost(() => relocateSpans(crowd, beforeText, afterText, true));
  t.same(
    result,
    crowd.map((_, k) => ({ start: runStart + k * length, end: runStart + (k + 1) * length })),
    'each in the next free slot of the run',
  );
  t.ok(cpuMs < second, `${cpuMs.toFixed(0)} ms of CPU`);
});

t.test('without spans to move nothing is compared', async (t) => {
  const beforeText = before.join('\n\n');
  const afterText = after.join('\n\n');
  // Comparing these texts takes tens of milliseconds; fifty calls that compare nothing take next to none.
  const { result, cpuMs } = await cost(() => Array.from({ length: 50 }, () => relocateSpans([], beforeText, afterText, true)));
  t.same(result.flat(), []);
  t.ok(cpuMs < 100, `50 relocations without spans in ${cpuMs.toFixed(1)} ms of CPU`);
});
