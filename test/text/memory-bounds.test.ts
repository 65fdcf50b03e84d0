import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { analyse } from '../../src/core/search/indexer.js';
import { normaliseArabic } from '../../src/core/text/arabic.js';
import { nameIndex } from '../../src/core/text/linking.js';

/**
 * The per-process memos of text analysis, fed far more distinct keys than they hold: the heap they leave
 * behind stays within a few megabytes. Unbounded, each keeps tens of megabytes (about 100 MB for all of
 * Unicode through normaliseArabic), so the margin is wide for the collector's noise.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const retainedMegabytes = (feed: () => void): number => {
  gc();
  const before = process.memoryUsage().heapUsed;
  feed();
  gc();
  return (process.memoryUsage().heapUsed - before) / 1e6;
};

const bound = 16;

/** Distinct Arabic words, as many as asked: numbers written in the 28 letters. */
function distinctWords(count: number): string[] {
  const letters = 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي';
  return Array.from({ length: count }, (_, n) => {
    let word = 'ال';
    for (let k = n + letters.length; k > 0; k = Math.floor(k / letters.length)) word += letters[k % letters.length];
    return word;
  });
}

t.test('normaliseArabic keeps a bounded memo after every code point of Unicode', async (t) => {
  const megabytes = retainedMegabytes(() => {
    for (let start = 0; start <= 0x10ffff; start += 0x1000) {
      let chunk = '';
      for (let c = start; c < start + 0x1000 && c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) chunk += String.fromCodePoint(c);
      normaliseArabic(chunk);
    }
  });
  t.ok(megabytes < bound, `${megabytes.toFixed(1)} MB retained`);
});

t.test('the stems of indexed words and the readings of linked words stay bounded', async (t) => {
  const words = distinctWords(300_000);
  const text = words.join(' ');
  const stems = retainedMegabytes(() => analyse([{ path: 'body', text }]));
  t.ok(stems < bound, `stems: ${stems.toFixed(1)} MB retained`);
  const index = nameIndex([{ key: 'adwani', target: 'adwani', names: ['العدواني'] }]);
  const readings = retainedMegabytes(() => index.find(text));
  t.ok(readings < bound, `readings: ${readings.toFixed(1)} MB retained`);
});
