import { normaliseWithOffsets, originalSpan } from '../text/arabic.js';
import { escapeHtml } from '../text/html.js';
import { stemArabic, stripArabicPrefix } from '../text/stem.js';
import { type Word, wordAround, wordBoundaryAtOrBefore, wordFrom } from '../text/words.js';
import type { SearchField } from './fields.js';
import type { Term } from './query.js';

/** Longest snippet, in UTF-16 code units of the original text. */
export const snippetLength = 160;
/** How much text before the first match a snippet keeps, when it can. */
const leadLength = 40;

interface Span {
  start: number;
  end: number;
}

export interface Snippet {
  field: string;
  /** Where `text` lies in the field's original text. */
  start: number;
  end: number;
  text: string;
  /** Matches, as offsets into `text`. */
  matches: Span[];
  /** `text` HTML-escaped, matches wrapped in `<mark>`, `…` where the field goes on. */
  html: string;
}

interface Hit extends Span {
  term: number;
}

/**
 * What a term's every match holds as a substring, and whether a word (or the words from it, for a phrase)
 * match it, by the same rules as the index. A light stem is part of its word, so a word holding the term's stem
 * (or the start of a stem, for a prefix) holds that text: only where it occurs need a word be read and stemmed.
 */
function termMatcher(term: Term): { needle: string; matchesFrom: (text: string, word: Word) => Span | null } {
  if (term.kind === 'word') {
    const stem = stemArabic(term.word);
    return { needle: stem, matchesFrom: (_text, w) => (w.text === term.word || stemArabic(w.text) === stem ? w : null) };
  }
  if (term.kind === 'prefix') {
    const stemPrefix = stripArabicPrefix(term.word);
    return { needle: stemPrefix, matchesFrom: (_text, w) => (w.text.startsWith(term.word) || stemArabic(w.text).startsWith(stemPrefix) ? w : null) };
  }
  const stems = term.words.map(stemArabic);
  return {
    needle: stems[0]!,
    matchesFrom(text, first) {
      let w: Word | undefined = first;
      for (const [k, stem] of stems.entries()) {
        if (k > 0) w = wordFrom(text, w.end);
        if (w === undefined || !w.text.includes(stem) || stemArabic(w.text) !== stem) return null;
      }
      return { start: first.start, end: w.end };
    },
  };
}

/**
 * The first `most` matches of a term in a normalised text, in text order. Only the words where the term's needle
 * occurs are read, each once: a text is searched natively rather than split into all its words.
 */
function termHits(term: Term, text: string, most: number): Span[] {
  const { needle, matchesFrom } = termMatcher(term);
  const hits: Span[] = [];
  for (let at = text.indexOf(needle); at !== -1 && hits.length < most; ) {
    const word = wordAround(text, at);
    const hit = matchesFrom(text, word);
    if (hit) hits.push(hit);
    at = text.indexOf(needle, word.end);
  }
  return hits;
}

/**
 * How much of a field a snippet reads, in UTF-16 code units: news paragraphs put their matches early, and
 * reading a whole imported book for every result would let one query hold the server.
 */
export const scannedLength = 5_000;
/**
 * The start of a field a snippet can show, in code points: the scanned part plus a window reaching past its
 * end, and one more so that a longer field still reads as going on (`…`). A code point is one or two UTF-16
 * units, so this many code points are at least as many units.
 */
export const snippetSourceLength = scannedLength + snippetLength + 1;
/** Matches of one term a snippet considers: the first ones in the text, enough to find a dense window. */
const hitsPerTerm = 64;

/** The start of a text up to scannedLength, cut between words so that no word is read in part (unless one word is all of it). */
function scannedPart(text: string): string {
  if (text.length <= scannedLength) return text;
  const boundary = wordBoundaryAtOrBefore(text, scannedLength);
  return text.slice(0, boundary > 0 ? boundary : scannedLength);
}

/** Matches of the terms in the scanned part of one field, as spans of the original text, in text order. */
function fieldHits(field: SearchField, terms: Term[]): Hit[] {
  const original = scannedPart(field.text);
  const normalised = normaliseWithOffsets(original);
  return terms
    .flatMap((term, i) =>
      termHits(term, normalised.text, hitsPerTerm).map((span) => {
        const [start, end] = originalSpan(normalised, span.start, span.end, original);
        return { start, end, term: i };
      }),
    )
    .sort((a, b) => a.start - b.start || b.end - a.end);
}

/**
 * The anchor hit whose window [anchor.start, anchor.start + reach) holds the most distinct terms. One pass:
 * hits enter the window in order of their end and leave it in order of their start, so each is counted once.
 */
function bestAnchor(hits: Hit[], reach: number): { anchor: Hit; terms: number } {
  const byEnd = [...hits].sort((a, b) => a.end - b.end);
  const inWindow = new Set<Hit>();
  const perTerm = new Map<number, number>();
  const count = (term: number, delta: number) => perTerm.set(term, (perTerm.get(term) ?? 0) + delta).get(term)!;
  let distinct = 0;
  let entering = 0;
  let leaving = 0;
  let best = { anchor: hits[0]!, terms: 0 };
  for (const anchor of hits) {
    for (; hits[leaving]!.start < anchor.start; leaving++) {
      const hit = hits[leaving]!;
      if (inWindow.delete(hit) && count(hit.term, -1) === 0) distinct--;
    }
    for (; entering < byEnd.length && byEnd[entering]!.end <= anchor.start + reach; entering++) {
      const hit = byEnd[entering]!;
      // A hit longer than the reach ends in a window only after its start has passed.
      if (hit.start < anchor.start) continue;
      inWindow.add(hit);
      if (count(hit.term, 1) === 1) distinct++;
    }
    if (distinct > best.terms) best = { anchor, terms: distinct };
  }
  return best;
}

/** The window of at most snippetLength around the hit that sees the most distinct terms, cut at spaces. */
function chooseWindow(text: string, hits: Hit[]): { window: Span; terms: number } {
  if (hits.length === 0) return { window: { start: 0, end: Math.min(text.length, snippetLength) }, terms: 0 };
  const best = bestAnchor(hits, snippetLength - leadLength);
  const { anchor } = best;
  let start = Math.max(0, Math.min(anchor.start - leadLength, text.length - snippetLength));
  if (start > 0) start = Math.min(anchor.start, nextSpace(text, start));
  let end = Math.min(text.length, start + snippetLength);
  if (end < text.length) end = Math.max(anchor.end, text.lastIndexOf(' ', end));
  return { window: { start, end }, terms: best.terms };
}

function nextSpace(text: string, from: number): number {
  const at = text.indexOf(' ', from);
  return at === -1 ? from : at + 1;
}

/** Overlapping hits (a word inside a matched phrase) become one span. */
function merge(spans: Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

function highlight(text: string, matches: Span[], cutBefore: boolean, cutAfter: boolean): string {
  let html = cutBefore ? '…' : '';
  let at = 0;
  for (const m of matches) {
    html += `${escapeHtml(text.slice(at, m.start))}<mark>${escapeHtml(text.slice(m.start, m.end))}</mark>`;
    at = m.end;
  }
  return html + escapeHtml(text.slice(at)) + (cutAfter ? '…' : '');
}

/**
 * A short window of a record's original text around its best match. Fields are tried in the order
 * given; a later field wins only with strictly more distinct terms, so list body fields first to
 * prefer context over a bare title. `fields` is never empty: every record has a title or a name.
 */
export function makeSnippet(fields: SearchField[], terms: Term[]): Snippet {
  let best: { field: SearchField; hits: Hit[]; window: Span; terms: number } | undefined;
  for (const field of fields) {
    const hits = fieldHits(field, terms);
    const next = { field, hits, ...chooseWindow(field.text, hits) };
    if (!best || next.terms > best.terms) best = next;
    // A window with every term cannot be beaten: the fields after it are not read (a body's title, mostly).
    if (best.terms === terms.length) break;
  }
  const { field, hits, window } = best!;
  const inside = hits.filter((h) => h.start >= window.start && h.end <= window.end);
  const matches = merge(inside.map((h) => ({ start: h.start - window.start, end: h.end - window.start })));
  const text = field.text.slice(window.start, window.end);
  return {
    field: field.path,
    start: window.start,
    end: window.end,
    text,
    matches,
    html: highlight(text, matches, window.start > 0, window.end < field.text.length),
  };
}
