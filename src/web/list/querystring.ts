import { parse } from 'node:querystring';

/** A parameter's value: an array when it is given more than once, as node:querystring gives it. */
type Value = string | string[];
/** `filter[field][op]` values, by field and operator. */
type Filters = Record<string, Record<string, Value>>;
/** The query as `parseQueryString` gives it, before a route's schema validates it. */
export type ParsedQuery = Record<string, Value | Filters>;

const filterKey = /^filter\[([^\][]+)\](?:\[([^\][]+)\])?$/;

/**
 * The query string, with `filter[field]=v` and `filter[field][op]=v` gathered into
 * `filter: { field: { op: v } }` (a bare `filter[field]` is `eq`) so one zod schema validates them.
 * Other bracketed names (`fields[people]`) stay as they are: they are parameters of their own.
 * A plain `filter=` parameter wins over bracketed ones, so that the schema refuses it by name.
 */
export function parseQueryString(text: string): ParsedQuery {
  const query: ParsedQuery = Object.create(null);
  const filters: Filters = Object.create(null);
  let filtered = false;
  for (const [key, value = ''] of Object.entries(parse(text))) {
    const match = filterKey.exec(key);
    if (!match) {
      query[key] = value;
      continue;
    }
    filtered = true;
    filters[match[1]!] ??= Object.create(null);
    const ops = filters[match[1]!]!;
    const op = match[2] ?? 'eq';
    ops[op] = op in ops ? [ops[op]!, value].flat() : value;
  }
  if (filtered && !('filter' in query)) query.filter = filters;
  return query;
}

/** A parameter given more than once: its name as written in the URL, and its path in the parsed query. */
export interface RepeatedParameter {
  name: string;
  path: string;
}

/** The first parameter of a parsed query that was given more than once, or null. */
export function repeatedParameter(query: ParsedQuery): RepeatedParameter | null {
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) return { name: key, path: key };
    if (key !== 'filter' || typeof value !== 'object') continue;
    for (const [field, ops] of Object.entries(value)) {
      const op = Object.keys(ops).find((name) => Array.isArray(ops[name]));
      if (op !== undefined) return { name: `filter[${field}][${op}]`, path: `filter.${field}.${op}` };
    }
  }
  return null;
}
