import { sql } from 'drizzle-orm';
import type { DerivedStart } from '../../search/fields.js';
import { articles, blockSeparator, articleBodyStarts as kept } from './table.js';

/**
 * One block of a stored body as `JSON.stringify` writes it, its text still escaped: either it closes (`"}` and
 * the list's `,` or `]`), or the stored JSON given is cut inside its text (after, perhaps, half an escape).
 */
const storedBlock = /\{"type":"[a-z]+","text":"((?:[^"\\]|\\.)*)(?:("\}[,\]])|\\?$)/y;
/** A `\uXXXX` escape the cut left without all its digits. */
const cutEscape = /\\u[0-9a-fA-F]{0,3}$/u;

const unescaped = (escaped: string): string => JSON.parse(`"${escaped}"`);

/**
 * The start of an article's plain text (`plainText`, blocks joined by blank lines), read from the start of its
 * stored JSON: SQL cuts that for far less than it costs to parse a long body whole. At least `units` UTF-16
 * units of the text, or all of it; null when the cut JSON holds less than that (or is not in the form
 * `JSON.stringify` writes), and the body must be read whole.
 */
export function bodyTextStart(stored: string, units: number): string | null {
  if (!stored.startsWith('[')) return null;
  let text = '';
  for (let at = 1, separator = ''; ; separator = blockSeparator) {
    storedBlock.lastIndex = at;
    const block = storedBlock.exec(stored);
    if (block === null) return text.length >= units ? text : null;
    const [, escaped = '', end] = block;
    if (end === undefined) {
      text += separator + unescaped(escaped.replace(cutEscape, ''));
      return text.length >= units ? text : null;
    }
    text += separator + unescaped(escaped);
    if (end === '"}]' || text.length >= units) return text;
    at = storedBlock.lastIndex;
  }
}

/**
 * How search reads the start of `body_text`: from twice as many characters of the stored JSON as the units it
 * needs, which holds them unless the body starts with blocks of a few words or with many escaped characters. A
 * long body's start is read from the copy kept of it (articleBodyStarts), since cutting the body's own start
 * makes SQLite read the whole value (figures in docs/performance.md).
 */
export const articleBodyStart: DerivedStart = {
  // Qualified by hand: the select list renders a column without its table, which inside the subquery would be ambiguous.
  stored: (units, dialect) =>
    sql`coalesce((select ${kept.start} from ${kept} where ${kept}.${sql.identifier('article_id')} = ${articles}.${sql.identifier('id')}), substr(${dialect.jsonText(sql`${articles}.${sql.identifier('body')}`)}, 1, ${2 * units}))`,
  text: bodyTextStart,
};
