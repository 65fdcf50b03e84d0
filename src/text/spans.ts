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

/** The length of the common suffix of two texts that does not overlap their common prefix. */
function unchangedSuffix(before: string, after: string): number {
  const limit = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < limit && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  return suffix;
}

const overlaps = (a: Placed, b: Placed) => a.start < b.end && b.start < a.end;

/** The occurrence of `text` in `value` nearest to `near` that overlaps none of `taken`. */
function nearestOccurrence(value: string, text: string, near: number, taken: Placed[]): Placed | null {
  let best: Placed | null = null;
  for (let at = value.indexOf(text); at !== -1; at = value.indexOf(text, at + 1)) {
    const candidate = { start: at, end: at + text.length };
    if (taken.some((placed) => overlaps(placed, candidate))) continue;
    if (!best || Math.abs(at - near) < Math.abs(best.start - near)) best = candidate;
  }
  return best;
}

/**
 * Where each span of `before` is in `after`, or null when its text is gone. A span outside the edited
 * region keeps its place (shifted by what was inserted or removed before it); a span whose text is no
 * longer at that place moves to the nearest occurrence of its text. With `exclusive`, spans may not
 * overlap one another (mentions), so a span moves only to an occurrence that no other span holds.
 */
export function relocateSpans(spans: Span[], before: string, after: string, exclusive: boolean): Array<Placed | null> {
  const suffix = unchangedSuffix(before, after);
  const shift = after.length - before.length;
  const expected = spans.map((span) => (span.start >= before.length - suffix ? span.start + shift : span.start));
  const kept = spans.map((span, i) => after.slice(expected[i], expected[i]! + span.text.length) === span.text && span.end - span.start === span.text.length);
  const taken: Placed[] = exclusive ? spans.flatMap((span, i) => (kept[i] ? [{ start: expected[i]!, end: expected[i]! + span.text.length }] : [])) : [];
  return spans.map((span, i) => {
    if (kept[i]) return { start: expected[i]!, end: expected[i]! + span.text.length };
    const found = nearestOccurrence(after, span.text, expected[i]!, taken);
    if (found && exclusive) taken.push(found);
    return found;
  });
}
