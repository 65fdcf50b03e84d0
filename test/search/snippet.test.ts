import fc from 'fast-check';
import t from 'tap';
import type { Term } from '../../src/core/search/query.js';
import { makeSnippet, scannedLength, snippetLength } from '../../src/core/search/snippet.js';

/** Latin words are their own stems, so a term matches exactly the words equal to it. */
const vocabulary = ['alpha', 'beta', 'gamma', 'delta', 'omega'];
const wordTerm = (word: string): Term => ({ kind: 'word', word });

/**
 * The oracle, by brute force over the text's words: the most distinct terms any stretch of the text
 * holds, where a stretch starts at a match and ends snippetLength - 40 code units later (the snippet
 * keeps up to 40 before its first match).
 */
function mostDistinctTerms(text: string, terms: string[]): number {
  const matches = [...text.matchAll(/\S+/g)].filter((m) => terms.includes(m[0])).map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }));
  let most = 0;
  for (const anchor of matches) {
    const inside = matches.filter((m) => m.start >= anchor.start && m.end <= anchor.start + snippetLength - 40);
    most = Math.max(most, new Set(inside.map((m) => m.word)).size);
  }
  return most;
}

t.test('the snippet shows at least as many distinct terms as any window of the text holds', async (t) => {
  // Clusters of terms between long runs of filler, so that windows differ in how many terms they hold.
  const cluster = fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 5 }).map((words) => words.join(' '));
  const filler = fc.integer({ min: 1, max: 40 }).map((n) => Array(n).fill('filler').join(' '));
  const text = fc.array(fc.oneof(cluster, filler), { minLength: 1, maxLength: 30 }).map((parts) => parts.join(' '));
  const terms = fc.uniqueArray(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 4 });
  const property = fc.property(text, terms, (text, terms) => {
    const snippet = makeSnippet([{ path: 'body_text', text }], terms.map(wordTerm));
    const seen = new Set(snippet.matches.map((m) => snippet.text.slice(m.start, m.end)));
    return text.slice(snippet.start, snippet.end) === snippet.text && seen.size >= mostDistinctTerms(text, terms);
  });
  t.doesNotThrow(() => fc.assert(property, { numRuns: 300 }), 'for 300 random texts and sets of terms');
});

t.test('a snippet reads only the start of a very long field', async (t) => {
  const filler = 'omega '.repeat(Math.ceil(scannedLength / 6));
  const text = `${filler}alpha ${filler}`;
  t.ok(text.indexOf('alpha') > scannedLength, 'the match lies past the part read');
  const late = makeSnippet([{ path: 'body_text', text }], [wordTerm('alpha')]);
  t.same([late.start, late.matches], [0, []], 'a match past the part read is not shown');
  const early = makeSnippet([{ path: 'body_text', text: `alpha ${text}` }], [wordTerm('alpha')]);
  t.same(early.matches, [{ start: 0, end: 5 }], 'a match in it is');

  // No space near the end of the part read: words separated by line breaks, and «alphabet» straddles the end.
  const lines = `${'beta\n'.repeat(scannedLength / 5 - 1)}alphabet\nomega`;
  t.equal(lines.slice(0, scannedLength).slice(-5), 'alpha', 'the part read ends inside alphabet');
  t.same(makeSnippet([{ path: 'body_text', text: lines }], [wordTerm('alpha')]).matches, [], 'the part of a word is not a match');
  const astral = `${'beta\n'.repeat(scannedLength / 5 - 1)}alph𝒶bet`;
  t.same(makeSnippet([{ path: 'body_text', text: astral }], [wordTerm('alph')]).matches, [], 'nor is a word cut inside a surrogate pair');
});
