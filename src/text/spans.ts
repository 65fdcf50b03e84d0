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

/** A paragraph of a plain-text body (blocks are joined by blank lines), with where it starts. */
interface Segment {
  start: number;
  end: number;
  text: string;
}

const separator = '\n\n';

function segments(value: string): Segment[] {
  let start = 0;
  return value.split(separator).map((text) => {
    const segment = { start, end: start + text.length, text };
    start = segment.end + separator.length;
    return segment;
  });
}

/** For each paragraph before, the index of the same unchanged paragraph after (longest common subsequence), or null. */
function matchSegments(before: Segment[], after: Segment[]): Array<number | null> {
  const n = before.length;
  const m = after.length;
  const lengths = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i]![j] = before[i]!.text === after[j]!.text ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
    }
  }
  const matched: Array<number | null> = before.map(() => null);
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (before[i]!.text === after[j]!.text) matched[i++] = j++;
    else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) i++;
    else j++;
  }
  return matched;
}

/** What replaced paragraph `i` after the edit: the text between the unchanged paragraphs around it (may be empty). */
function replacement(i: number, matched: Array<number | null>, after: Segment[]): Placed {
  if (matched[i] !== null) return after[matched[i]!]!;
  let previous = -1;
  for (let k = i - 1; k >= 0 && previous === -1; k--) if (matched[k] !== null) previous = matched[k]!;
  let next = after.length;
  for (let k = i + 1; k < matched.length && next === after.length; k++) if (matched[k] !== null) next = matched[k]!;
  if (next - previous <= 1) return { start: 0, end: 0 };
  return { start: after[previous + 1]!.start, end: after[next - 1]!.end };
}

const overlaps = (a: Placed, b: Placed) => a.start < b.end && b.start < a.end;

/** The occurrence of `text` inside `within` nearest to `near` that overlaps none of `taken`. */
function nearestOccurrence(value: string, text: string, within: Placed, near: number, taken: Placed[]): Placed | null {
  let best: Placed | null = null;
  for (let at = value.indexOf(text, within.start); at !== -1 && at + text.length <= within.end; at = value.indexOf(text, at + 1)) {
    const candidate = { start: at, end: at + text.length };
    if (taken.some((placed) => overlaps(placed, candidate))) continue;
    if (!best || Math.abs(at - near) < Math.abs(best.start - near)) best = candidate;
  }
  return best;
}

/**
 * Where each span of `before` is in `after`, or null when its text is gone. The texts are compared
 * paragraph by paragraph: a span in an unchanged paragraph moves with it; a span in an edited paragraph
 * moves to the nearest occurrence of its text in what replaced that paragraph, and is gone if there is
 * none (its text elsewhere is another mention, not this one). With `exclusive`, spans may not overlap
 * one another (mentions): a span moves only to an occurrence no other span holds.
 */
export function relocateSpans(spans: Span[], before: string, after: string, exclusive: boolean): Array<Placed | null> {
  const oldSegments = segments(before);
  const newSegments = segments(after);
  const matched = matchSegments(oldSegments, newSegments);
  const segmentOf = (span: Span) => oldSegments.findIndex((segment) => span.start <= segment.end);
  const kept = spans.map((span): Placed | null => {
    const i = segmentOf(span);
    if (i === -1 || matched[i] === null) return null;
    const start = span.start - oldSegments[i]!.start + newSegments[matched[i]!]!.start;
    return after.slice(start, start + span.text.length) === span.text ? { start, end: start + span.text.length } : null;
  });
  const taken = exclusive ? kept.filter((place): place is Placed => place !== null) : [];
  return spans.map((span, i) => {
    if (kept[i]) return kept[i];
    const segment = segmentOf(span);
    if (segment === -1) return null;
    const within = replacement(segment, matched, newSegments);
    const found = nearestOccurrence(after, span.text, within, within.start + span.start - oldSegments[segment]!.start, taken);
    if (found && exclusive) taken.push(found);
    return found;
  });
}
