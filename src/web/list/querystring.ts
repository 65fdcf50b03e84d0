import { parse } from 'node:querystring';

type Query = Record<string, unknown>;

const filterKey = /^filter\[([^\][]+)\](?:\[([^\][]+)\])?$/;

/**
 * The query string, with `filter[field]=v` and `filter[field][op]=v` gathered into
 * `filter: { field: { op: v } }` (a bare `filter[field]` is `eq`) so one zod schema validates them.
 * Other bracketed names (`fields[people]`) stay as they are: they are parameters of their own.
 * A parameter given more than once holds an array of its values, as node:querystring gives it.
 */
export function parseQueryString(text: string): Query {
  const query: Query = Object.create(null);
  for (const [key, value] of Object.entries(parse(text))) {
    const match = filterKey.exec(key);
    if (!match) {
      query[key] = value;
      continue;
    }
    query.filter ??= Object.create(null);
    const filter = query.filter as Query;
    if (typeof filter !== 'object' || Array.isArray(filter)) continue;
    filter[match[1]!] ??= Object.create(null);
    const ops = filter[match[1]!] as Query;
    const op = match[2] ?? 'eq';
    ops[op] = op in ops ? [ops[op], value].flat() : value;
  }
  return query;
}

/** A parameter given more than once: its name as written in the URL, and its path in the parsed query. */
export interface RepeatedParameter {
  name: string;
  path: string;
}

/** The first parameter of a parsed query that was given more than once, or null. */
export function repeatedParameter(query: Query): RepeatedParameter | null {
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) return { name: key, path: key };
    if (key !== 'filter' || typeof value !== 'object' || value === null) continue;
    for (const [field, ops] of Object.entries(value as Record<string, Query>)) {
      const op = Object.keys(ops).find((name) => Array.isArray(ops[name]));
      if (op !== undefined) return { name: `filter[${field}][${op}]`, path: `filter.${field}.${op}` };
    }
  }
  return null;
}
