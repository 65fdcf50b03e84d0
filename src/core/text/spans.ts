/** A span of a text that must keep naming the same characters: `text === value.slice(start, end)`. */
export interface Span {
  start: number;
  end: number;
  text: string;
}

export interface Placed {
  start: number;
  end: number;
}

const separator = '\n\n';

/** The paragraphs of a plain-text body (blocks are joined by blank lines), with where each starts. */
interface Paragraphs {
  texts: string[];
  /** `starts[i]` is where paragraph i starts; `starts[texts.length]` is where one more would start. */
  starts: Float64Array;
}

function paragraphs(value: string): Paragraphs {
  const texts = value.split(separator);
  const starts = new Float64Array(texts.length + 1);
  for (let i = 0; i < texts.length; i++) starts[i + 1] = starts[i]! + texts[i]!.length + separator.length;
  return { texts, starts };
}

const endOf = (p: Paragraphs, i: number) => p.starts[i + 1]! - separator.length;

/** The first paragraph that ends at or after `offset`, or -1 past the end (binary search). */
function paragraphAt(p: Paragraphs, offset: number): number {
  let low = 0;
  let high = p.texts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (endOf(p, middle) < offset) low = middle + 1;
    else high = middle;
  }
  return low < p.texts.length ? low : -1;
}

/** A half-open range of paragraph indices. */
type Range = [low: number, high: number];

/** Pairs equal paragraphs from both ends of the ranges `b` of before and `a` of after inwards; returns what is left between. */
function matchEnds(before: string[], after: string[], matched: Int32Array, b: Range, a: Range): { b: Range; a: Range } {
  let [lowB, highB] = b;
  let [lowA, highA] = a;
  while (lowB < highB && lowA < highA && before[lowB] === after[lowA]) matched[lowB++] = lowA++;
  while (lowB < highB && lowA < highA && before[highB - 1] === after[highA - 1]) matched[--highB] = --highA;
  return { b: [lowB, highB], a: [lowA, highA] };
}

/** The indices of a longest strictly increasing subsequence of `values` (patience sorting, O(k log k)). */
function longestIncreasing(values: number[]): number[] {
  const tails: number[] = [];
  const previous = new Int32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (values[tails[middle]!]! < values[k]!) low = middle + 1;
      else high = middle;
    }
    previous[k] = low > 0 ? tails[low - 1]! : -1;
    tails[low] = k;
  }
  const chain: number[] = [];
  for (let k = tails.at(-1) ?? -1; k !== -1; k = previous[k]!) chain.push(k);
  return chain.reverse();
}

/**
 * Cells of longest-common-subsequence tables one relocation may fill (4 bytes each): edited stretches up
 * to about 1,000 by 1,000 paragraphs are matched exactly; past that, their spans fall back to the nearest
 * occurrence, so no body makes the work quadratic.
 */
const tableBudget = 1 << 20;

/** Pairs the paragraphs of a longest common subsequence of the ranges `b` of before and `a` of after. */
function matchLongestCommon(before: string[], after: string[], matched: Int32Array, [lowB, highB]: Range, [lowA, highA]: Range) {
  const n = highB - lowB;
  const width = highA - lowA + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = width - 2; j >= 0; j--) {
      const cell = i * width + j;
      lengths[cell] = before[lowB + i] === after[lowA + j] ? lengths[cell + width + 1]! + 1 : Math.max(lengths[cell + width]!, lengths[cell + 1]!);
    }
  }
  for (let i = 0, j = 0; i < n && j < width - 1; ) {
    if (before[lowB + i] === after[lowA + j]) matched[lowB + i++] = lowA + j++;
    else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) i++;
    else j++;
  }
}

/**
 * For each paragraph before, the index of the same unchanged paragraph after, or -1. Linear in the number
 * of paragraphs, where a longest common subsequence would take their product: equal paragraphs at both
 * ends are paired, then paragraphs that occur exactly once in both middles (patience diff's anchors) in
 * the longest order-preserving chain; in each stretch between anchors, equal paragraphs at both ends, and
 * what is left by a longest common subsequence while the table budget lasts.
 */
function matchParagraphs(before: string[], after: string[]): Int32Array {
  const matched = new Int32Array(before.length).fill(-1);
  let budget = tableBudget;
  const matchStretch = (b: Range, a: Range) => {
    const left = matchEnds(before, after, matched, b, a);
    const cells = (left.b[1] - left.b[0] + 1) * (left.a[1] - left.a[0] + 1);
    if (left.b[0] === left.b[1] || left.a[0] === left.a[1] || cells > budget) return;
    budget -= cells;
    matchLongestCommon(before, after, matched, left.b, left.a);
  };
  const middle = matchEnds(before, after, matched, [0, before.length], [0, after.length]);

  const onceBefore = new Map<string, number>();
  for (let i = middle.b[0]; i < middle.b[1]; i++) onceBefore.set(before[i]!, onceBefore.has(before[i]!) ? -1 : i);
  // Only paragraphs once before can be anchors, so only they are counted after.
  const onceAfter = new Map<string, number>();
  for (let j = middle.a[0]; j < middle.a[1]; j++) {
    const text = after[j]!;
    if ((onceBefore.get(text) ?? -1) >= 0) onceAfter.set(text, onceAfter.has(text) ? -1 : j);
  }
  // Candidate anchors in the order of `after`: where each is before, and where after.
  const anchorBefore: number[] = [];
  const anchorAfter: number[] = [];
  for (let j = middle.a[0]; j < middle.a[1]; j++) {
    if (onceAfter.get(after[j]!) !== j) continue;
    anchorBefore.push(onceBefore.get(after[j]!)!);
    anchorAfter.push(j);
  }
  let stretchB = middle.b[0];
  let stretchA = middle.a[0];
  for (const k of longestIncreasing(anchorBefore)) {
    matchStretch([stretchB, anchorBefore[k]!], [stretchA, anchorAfter[k]!]);
    matched[anchorBefore[k]!] = anchorAfter[k]!;
    stretchB = anchorBefore[k]! + 1;
    stretchA = anchorAfter[k]! + 1;
  }
  matchStretch([stretchB, middle.b[1]], [stretchA, middle.a[1]]);
  return matched;
}

/** An edited stretch of paragraphs and what replaced it. */
interface Stretch {
  before: Placed;
  after: Placed;
}

/**
 * The stretch each paragraph belongs to: a matched paragraph is its own, with its match; an edited one
 * lies between the matched paragraphs around it, and was replaced by what lies between their matches
 * (empty when nothing does). Computed in one pass each way, so a span's lookup is constant time.
 */
function stretches(matched: Int32Array, before: Paragraphs, after: Paragraphs): (i: number) => Stretch {
  const previous = new Int32Array(matched.length);
  for (let i = 0, last = -1; i < matched.length; i++) previous[i] = last = matched[i] !== -1 ? i : last;
  const next = new Int32Array(matched.length);
  for (let i = matched.length - 1, last = matched.length; i >= 0; i--) next[i] = last = matched[i] !== -1 ? i : last;
  const range = (p: Paragraphs, from: number, to: number): Placed => (from > to ? { start: 0, end: 0 } : { start: p.starts[from]!, end: endOf(p, to) });
  return (i) => {
    if (matched[i] !== -1) return { before: range(before, i, i), after: range(after, matched[i]!, matched[i]!) };
    const [first, last] = [previous[i]!, next[i]!];
    const from = first === -1 ? 0 : matched[first]! + 1;
    const to = last === matched.length ? after.texts.length - 1 : matched[last]! - 1;
    return { before: range(before, first + 1, last - 1), after: range(after, from, to) };
  };
}

/** Places held by exclusive spans: disjoint, kept in order, so the one a candidate overlaps is a binary search away. */
class Occupied {
  private readonly places: Placed[] = [];

  constructor(places: Placed[]) {
    for (const place of places) this.add(place);
  }

  /** The first place ending after `start`. */
  private after(start: number): number {
    let low = 0;
    let high = this.places.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.places[middle]!.end <= start) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The place that `candidate` overlaps, if any. */
  blocking(candidate: Placed): Placed | undefined {
    const place = this.places[this.after(candidate.start)];
    return place && place.start < candidate.end ? place : undefined;
  }

  add(place: Placed) {
    this.places.splice(this.after(place.start), 0, place);
  }
}

/**
 * The occurrence of `text` inside `within` nearest to `near` (the earlier on a tie) that overlaps no place
 * in `occupied`. Searches outwards from `near`, stepping over each occupied place at once, so its cost is
 * the distance to the first free occurrence on each side, not the number of occurrences in `within`.
 */
function nearestOccurrence(value: string, text: string, within: Placed, near: number, occupied: Occupied | null): Placed | null {
  const blocking = (at: number) => occupied?.blocking({ start: at, end: at + text.length });
  const last = within.end - text.length;
  const from = Math.min(Math.max(near, within.start), last + 1);
  let right = value.indexOf(text, from);
  for (let blocker = blocking(right); right !== -1 && right <= last && blocker; blocker = blocking(right)) right = value.indexOf(text, blocker.end);
  if (right > last) right = -1;
  let left = from > within.start ? value.lastIndexOf(text, from - 1) : -1;
  for (let blocker = blocking(left); left >= within.start && blocker; blocker = blocking(left)) {
    left = blocker.start - text.length >= within.start ? value.lastIndexOf(text, blocker.start - text.length) : -1;
  }
  if (left < within.start) left = -1;
  const best = left === -1 ? right : right === -1 || near - left <= right - near ? left : right;
  return best === -1 ? null : { start: best, end: best + text.length };
}

/**
 * Where each span of `before` is in `after`, or null when its text is gone. The texts are compared
 * paragraph by paragraph: a span in an unchanged paragraph moves with it; a span in an edited paragraph
 * moves to the nearest occurrence of its text in what replaced that paragraph, and is gone if there is
 * none (its text elsewhere is another mention, not this one). With `exclusive`, spans may not overlap
 * one another (mentions): a span moves only to an occurrence no other span holds. Without spans nothing
 * is compared; with them the cost is linear in the texts, plus a search per span for one that moves.
 */
export function relocateSpans(spans: Span[], before: string, after: string, exclusive: boolean): Array<Placed | null> {
  if (spans.length === 0) return [];
  const old = paragraphs(before);
  const now = paragraphs(after);
  const matched = matchParagraphs(old.texts, now.texts);
  const paragraphOf = spans.map((span) => paragraphAt(old, span.start));
  const kept = spans.map((span, k): Placed | null => {
    const i = paragraphOf[k]!;
    if (i === -1 || matched[i] === -1) return null;
    const start = span.start - old.starts[i]! + now.starts[matched[i]!]!;
    return after.startsWith(span.text, start) ? { start, end: start + span.text.length } : null;
  });
  const occupied = exclusive ? new Occupied(kept.filter((place): place is Placed => place !== null)) : null;
  const stretchOf = stretches(matched, old, now);
  return spans.map((span, k) => {
    const i = paragraphOf[k]!;
    if (kept[k] !== null || i === -1) return kept[k] ?? null;
    // As far into what replaced its stretch as the span was into the stretch.
    const stretch = stretchOf(i);
    const found = nearestOccurrence(after, span.text, stretch.after, stretch.after.start + span.start - stretch.before.start, occupied);
    if (found) occupied?.add(found);
    return found;
  });
}
