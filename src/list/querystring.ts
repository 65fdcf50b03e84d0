import { parse } from 'node:querystring';

type Query = Record<string, unknown>;

const filterKey = /^filter\[([^\][]+)\](?:\[([^\][]+)\])?$/;

/**
 * The query string, with `filter[field]=v` and `filter[field][op]=v` gathered into
 * `filter: { field: { op: v } }` (a bare `filter[field]` is `eq`) so one zod schema validates them.
 * Other bracketed names (`fields[people]`) stay as they are: they are parameters of their own.
 */
export function parseQueryString(text: string): Query {
  const query: Query = Object.create(null);
  for (const [key, value] of Object.entries(parse(text))) {
    const match = filterKey.exec(key);
    if (!match) {
      query[key] = value;
      continue;
    }
    const filter = (query.filter ??= Object.create(null)) as Query;
    if (typeof filter !== 'object' || Array.isArray(filter)) continue;
    const ops = (filter[match[1]!] ??= Object.create(null)) as Query;
    ops[match[2] ?? 'eq'] = value;
  }
  return query;
}
