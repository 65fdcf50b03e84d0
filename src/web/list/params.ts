import { z } from 'zod';
import { decimalInteger } from '../../core/decimal-integer.js';
import { maxEmbeddedPerPage, maxReverseEmbedded } from '../../core/list/embed.js';
import { type Condition, type ListQuery, type Operator, operators, type Shaping } from '../../core/list/query.js';
import type { FilterSpec, ListSpec, ValueType } from '../../core/list/spec.js';
import { maxCounted, pageByteBudget } from '../../core/list/sql.js';
import { type ResourceName, resourceNames } from '../../core/resources/registry.js';
import { isoDateOrDateTime, recordId } from '../../core/resources/shared/fields.js';
import { withArticle } from '../../core/text/english.js';

/** Unknown keys of an object named in one message, with what is allowed instead. */
const strict = <S extends z.ZodRawShape>(shape: S, what: string) =>
  z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown ${what} ${issue.keys.join(', ')}; allowed: ${Object.keys(shape).join(', ')}` : undefined),
  });

/** A `limit` query parameter: a page size from 1 to `max`, `fallback` when it is absent; every paged route takes this one. */
export const pageSize = (max: number, fallback: number, description = `Page size, 1–${max}`) => decimalInteger(1, max).prefault(fallback).meta({ description, example: fallback });

const allowedList = (allowed: readonly string[]) => allowed.join(', ');

/** A comma list whose every item is one of `allowed`, without repeats. */
function csvOf(allowed: readonly string[], what: string) {
  return z
    .string()
    .max(1000)
    .transform((value, ctx) => {
      const items = value.split(',').map((item) => item.trim());
      for (const item of items) {
        if (!allowed.includes(item)) ctx.addIssue({ code: 'custom', message: `unknown ${what} "${item}"; allowed: ${allowedList(allowed)}` });
      }
      if (new Set(items).size !== items.length) ctx.addIssue({ code: 'custom', message: `${withArticle(what)} is given twice` });
      return items;
    });
}

function valueSchema(filter: FilterSpec): z.ZodType<string, string> {
  if (filter.kind === 'link') return recordId;
  if (filter.type === 'enum') return z.enum(filter.values as [string, ...string[]]);
  if (filter.type === 'id') return recordId;
  // A date-time is brought to the form the column stores (shared/fields.ts), so it compares in UTC as text;
  // a date stays a date, so `gte` a day includes the day's times.
  if (filter.type === 'date') return isoDateOrDateTime;
  return z.string().min(1).max(500);
}

/** The operators a filter takes: by value type, `null` only on a nullable column. */
export function operatorsOf(filter: FilterSpec): Operator[] {
  if (filter.kind === 'link') return ['eq', 'ne', 'in', 'nin'];
  const byType: Record<string, Operator[]> = {
    text: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'contains', 'startswith'],
    date: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'],
    id: ['eq', 'ne', 'in', 'nin'],
    enum: ['eq', 'ne', 'in', 'nin'],
  };
  const ops = byType[filter.type]!;
  return filter.column.notNull ? ops : [...ops, 'null'];
}

function operatorSchema(op: Operator, value: z.ZodType<string, string>): z.ZodType<Condition['value'], string> {
  if (op === 'null') return z.enum(['true', 'false']).transform((v) => v === 'true');
  if (op === 'in' || op === 'nin') {
    return z
      .string()
      .max(100 * 501)
      .transform((v) => v.split(','))
      .pipe(z.array(value).min(1).max(100));
  }
  return value;
}

function operatorObject(filter: FilterSpec) {
  const value = valueSchema(filter);
  return strict(Object.fromEntries(operatorsOf(filter).map((op) => [op, operatorSchema(op, value).optional()])), 'operator');
}

/** The contract's name for the operators of a value type, nullable or not: `TextFilter`, `NullableDateFilter`. */
const sharedFilterName = (type: Exclude<ValueType, 'enum'>, nullable: boolean) => `${nullable ? 'Nullable' : ''}${type[0]!.toUpperCase()}${type.slice(1)}Filter`;

/**
 * Filters of one value type and nullability take the same operators on every list, so each is one named schema
 * that every list refers to, built once (at most six); an enum's values are its own, so it stays inline.
 */
const sharedFilters = new Map<string, ReturnType<typeof operatorObject>>();

function filterSchema(filter: FilterSpec) {
  const type = filter.kind === 'link' ? 'id' : filter.type;
  if (type === 'enum') return operatorObject(filter).optional();
  const name = sharedFilterName(type, filter.kind === 'column' && !filter.column.notNull);
  let schema = sharedFilters.get(name);
  if (!schema) {
    schema = operatorObject(filter).meta({ id: name });
    sharedFilters.set(name, schema);
  }
  return schema.optional();
}

export interface ListParamsOptions {
  spec: ListSpec;
  /** The listed resource's fields, for `fields`. */
  fields: string[];
  /** The fields of each resource an include can embed, for `fields[type]`. */
  targetFields: Record<string, string[]>;
}

/** `fields`, `fields[type]` and `include`: what GET one and the list share. */
function shapingParams({ spec, fields, targetFields }: ListParamsOptions) {
  const { examples } = spec;
  const includes = Object.keys(spec.include);
  const embeddedFields = Object.fromEntries(
    Object.entries(targetFields).map(([type, keys]) => [
      `fields[${type}]`,
      csvOf(keys, `field of ${type}`)
        .optional()
        .meta({ description: `Comma list of the fields of embedded ${type} (\`id\` is always there)`, example: keys.slice(0, 3).join(',') }),
    ]),
  );
  return {
    fields: csvOf(fields, 'field')
      .optional()
      .meta({ description: `Comma list of the fields to return (\`id\` is always there). One of: ${allowedList(fields)}`, example: examples.fields }),
    ...embeddedFields,
    include: csvOf(includes, 'include path')
      .optional()
      .meta({
        description: `Comma list of related records to embed. One of: ${allowedList(includes)}. A list of records that point at this one (such as an organisation's articles) embeds at most the ${maxReverseEmbedded} newest; a filtered list gives them all. A list page ends early, with \`meta.next_cursor\` set, once it would embed more than ${maxEmbeddedPerPage} records. An embedded article has no \`body\` or \`body_text\`.`,
        example: examples.include,
      }),
  };
}

/**
 * The validated shaping parameters. `fields[type]` are named at run time, so their type is written here
 * (each a `csvOf` list); the others' comes from their schemas.
 */
type ShapingParams = z.output<z.ZodObject<ReturnType<typeof shapingParams>>> & { [type in ResourceName as `fields[${type}]`]?: string[] };

/** What to show of each record, from the validated `fields`, `fields[type]` and `include`. */
function toShaping(params: ShapingParams): Shaping {
  const embeddedFields: Record<string, string[]> = {};
  for (const type of resourceNames) {
    const fields = params[`fields[${type}]`];
    if (fields) embeddedFields[type] = fields;
  }
  return { fields: params.fields, embeddedFields, include: params.include ?? [] };
}

/** GET one's query parameters, parsed into the shaping of the record. */
export function getParams(options: ListParamsOptions) {
  return strict(shapingParams(options), 'parameter').transform(toShaping);
}

function listObject(options: ListParamsOptions) {
  const { spec } = options;
  const { examples } = spec;
  const sortable = ['id', ...Object.keys(spec.sort)];
  const sortKeys = sortable.flatMap((field) => [field, `-${field}`]);
  const filters = Object.entries(spec.filters);
  const extensions = Object.fromEntries((spec.extensions ?? []).map((extension) => [extension.name, extension.schema.optional()]));
  return strict(
    {
      limit: pageSize(
        100,
        20,
        `Page size, 1–100. A page also ends early, with \`meta.next_cursor\` set, once its records would pass ${pageByteBudget / 1024 / 1024} MiB of stored text (at least one record a page)`,
      ),
      cursor: z
        .string()
        .max(2000)
        .optional()
        .meta({ description: 'Opaque cursor from `meta.next_cursor`; only valid with the same sort', example: 'eyJzIjoiLWlkIiwiayI6WyIwMTlhYzlkMC01YzFlLTdjNGEtOWYzYi0yZDFlOGE3YjZjNWQiXX0' }),
      sort: csvOf(sortKeys, 'sort key')
        .optional()
        .meta({
          description: `Comma list of sort keys, \`-\` for descending; \`id\` breaks ties. Default: newest first (\`-id\`). One of: ${allowedList(sortable)}`,
          example: examples.sort,
        }),
      filter: strict(Object.fromEntries(filters.map(([name, filter]) => [name, filterSchema(filter)])), 'filter')
        .optional()
        .meta({
          // Each field's operators are its schema's properties: listing them here too wrote them twice in the contract and in the client.
          description:
            "`filter[field]=value` (equality) or `filter[field][op]=value`, with the operators the field's schema lists. `in`/`nin` take a comma list, `null` takes true/false; " +
            '`contains` is an exact substring match and `startswith` a prefix (letter case and marks count); dates are ISO 8601 (a date, or a date-time).',
          example: examples.filter,
          style: 'deepObject',
          explode: true,
        }),
      count: z
        .enum(['true', 'false'])
        .default('true')
        .transform((v) => v === 'true')
        .meta({ description: `\`false\` skips \`meta.total\`, the count of matching rows (exact up to ${maxCounted.toLocaleString('en')})`, example: 'false' }),
      ...extensions,
      ...shapingParams(options),
    },
    'parameter',
  );
}

type ListParams = z.output<ReturnType<typeof listObject>>;

/** The list request of validated parameters. */
function toListQuery(params: ListParams, spec: ListSpec): ListQuery {
  const sort = params.sort?.map((key) => ({ field: key.replace(/^-/, ''), descending: key.startsWith('-') }));
  const filters = Object.entries(params.filter ?? {}).flatMap(([field, ops]) =>
    operators.flatMap((op) => {
      const value = ops?.[op];
      return value === undefined ? [] : [{ field, op, value }];
    }),
  );
  // Extensions add parameters of their own (`q`), which the parameters' type does not name.
  const extensionNames = new Set((spec.extensions ?? []).map((extension) => extension.name));
  const extensions = Object.fromEntries(Object.entries(params).filter(([name, value]) => extensionNames.has(name) && value !== undefined));
  return { limit: params.limit, sort, filters, cursor: params.cursor, count: params.count, extensions, ...toShaping(params) };
}

/** The list's query parameters, parsed into the one typed value the list engine takes. */
export function listParams(options: ListParamsOptions) {
  return listObject(options).transform((params) => toListQuery(params, options.spec));
}
