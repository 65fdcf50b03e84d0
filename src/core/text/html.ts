/**
 * The one HTML escaper: the five characters that can end text or open markup in element content and in
 * quoted attribute values, as named entities (&#39; for the apostrophe, which HTML 4 has no name for).
 */
const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The text, safe to place between tags or inside a quoted attribute. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => entities[c]!);
