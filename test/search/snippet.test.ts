import fc from 'fast-check';
import t from 'tap';
import { analyse } from '../../src/core/search/indexer.js';
import type { Term } from '../../src/core/search/query.js';
import { makeSnippet, scannedLength, snippetLength } from '../../src/core/search/snippet.js';
import { stemArabic, stripArabicPrefix } from '../../src/core/text/stem.js';

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

t.test('the snippet comes from the first field whose best window holds the most distinct terms', async (t) => {
  const text = fc.array(fc.constantFrom(...vocabulary, 'filler'), { maxLength: 12 }).map((words) => words.join(' '));
  const terms = fc.uniqueArray(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 4 });
  const property = fc.property(fc.array(text, { minLength: 1, maxLength: 3 }), terms, (texts, terms) => {
    const fields = texts.map((text, i) => ({ path: `field.${i}`, text }));
    const most = texts.map((text) => mostDistinctTerms(text, terms));
    return makeSnippet(fields, terms.map(wordTerm)).field === `field.${most.indexOf(Math.max(...most))}`;
  });
  t.doesNotThrow(() => fc.assert(property, { numRuns: 300 }), 'for 300 random sets of fields and terms');
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

t.test('a snippet marks exactly the words the index matches, for words, prefixes and phrases', async (t) => {
  // Words of a few stems, with and without attached prefixes and suffixes, and words that merely contain a stem.
  const vocabulary = ['المربع', 'مربع', 'والمربعات', 'بالمربع', 'عدوان', 'العدواني', 'عدوانه', 'الداخليه', 'داخل', 'مداخل', 'امن', 'الامني', 'امانه', 'x'];
  const word = fc.constantFrom(...vocabulary);
  const term = fc.oneof(
    word.map((w): Term => ({ kind: 'word', word: w })),
    fc.constantFrom('المرب', 'مرب', 'العدو', 'عدوا', 'الداخ', 'داخل', 'والمرب').map((w): Term => ({ kind: 'prefix', word: w })),
    fc.array(word, { minLength: 2, maxLength: 3 }).map((words): Term => ({ kind: 'phrase', words })),
  );
  // Short enough for the snippet to show it whole; already normalised, so offsets are the same in both.
  const text = fc.array(word, { minLength: 1, maxLength: 12 }).map((words) => words.join(' '));
  const property = fc.property(text, fc.uniqueArray(term, { minLength: 1, maxLength: 3, selector: (x) => JSON.stringify(x) }), (text, terms) => {
    const expected = indexMatches(text, terms);
    const snippet = makeSnippet([{ path: 'body_text', text }], terms);
    return JSON.stringify(snippet.matches) === JSON.stringify(expected);
  });
  t.doesNotThrow(() => fc.assert(property, { numRuns: 500 }), 'for 500 random texts and queries');
});

/** The oracle: the spans of a text's words (one space apart) that match a term by the index's words and stems (`analyse`), merged where they touch. */
function indexMatches(text: string, terms: Term[]) {
  const { words, stems } = analyse([{ path: 'body_text', text }]);
  const written = words.split(' ');
  const stemmed = stems.split(' ');
  const starts = written.map((_, i) => written.slice(0, i).join(' ').length + (i > 0 ? 1 : 0));
  const matchAt = (term: Term, i: number): number => {
    if (term.kind === 'word') return written[i] === term.word || stemmed[i] === stemArabic(term.word) ? 1 : 0;
    if (term.kind === 'prefix') return written[i]!.startsWith(term.word) || stemmed[i]!.startsWith(stripArabicPrefix(term.word)) ? 1 : 0;
    return term.words.every((w, k) => stemmed[i + k] === stemArabic(w)) ? term.words.length : 0;
  };
  const spans = written.flatMap((_, i) =>
    terms
      .map((term) => matchAt(term, i))
      .filter((n) => n > 0)
      .map((n) => ({ start: starts[i]!, end: starts[i + n - 1]! + written[i + n - 1]!.length })),
  );
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Array<{ start: number; end: number }> = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}
