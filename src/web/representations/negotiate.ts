/** One range of an Accept header: `type/subtype;q=0.8`. */
interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseRange(part: string): MediaRange | null {
  const [range = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
  const [type, subtype] = range.split('/');
  if (!type || !subtype) return null;
  const qParam = params.find((param) => param.startsWith('q='));
  const q = qParam === undefined ? 1 : Number(qParam.slice(2));
  return { type, subtype, q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 };
}

function parseAccept(header: string): MediaRange[] {
  return header.split(',').flatMap((part) => parseRange(part) ?? []);
}

/** How specifically a range names a media type (RFC 9110 §12.5.1: the most specific match decides), or -1. */
function specificity(range: MediaRange, type: string, subtype: string): number {
  if (range.type === type && range.subtype === subtype) return 2;
  if (range.type === type && range.subtype === '*') return 1;
  if (range.type === '*' && range.subtype === '*') return 0;
  return -1;
}

/** The quality the ranges give a media type: that of the most specific range naming it, 0 when none does. */
function quality(ranges: MediaRange[], mediaType: string): number {
  const [type = '', subtype = ''] = mediaType.split('/');
  let best = { specificity: -1, q: 0 };
  for (const range of ranges) {
    const s = specificity(range, type, subtype);
    if (s > best.specificity) best = { specificity: s, q: range.q };
  }
  return best.q;
}

/**
 * The offered media type an Accept header prefers, or null when it accepts none of them. `offered` is in the
 * server's order of preference, which breaks ties; no Accept header accepts the first.
 */
export function negotiate(accept: string | undefined, offered: readonly string[]): string | null {
  if (accept === undefined || accept.trim() === '') return offered[0] ?? null;
  const ranges = parseAccept(accept);
  let chosen: { mediaType: string; q: number } | null = null;
  for (const mediaType of offered) {
    const q = quality(ranges, mediaType);
    if (q > 0 && (chosen === null || q > chosen.q)) chosen = { mediaType, q };
  }
  return chosen?.mediaType ?? null;
}
