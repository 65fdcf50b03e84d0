import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { KhabarError } from '../../core/errors.js';
import type { ResourceName } from '../../core/resources/registry.js';
import { listEnvelope } from '../../core/resources/shared/schemas.js';
import { problemResponses } from '../http/problem.js';
import { type MapContext, mapContext } from './context.js';
import { jsonLdDocument, jsonLdList, jsonLdMappers, jsonLdMediaType, jsonLdSchema } from './jsonld.js';
import { negotiate } from './negotiate.js';
import { articleToNinjs, ninjsMediaType, ninjsSchema } from './ninjs.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The negotiated representation when it is not plain JSON. */
    representation: Format | null;
    /** What the query as sent asks of the representation, kept before the route's schema parses the query into a value of its own. */
    askedRepresentation: AskedRepresentation | null;
  }
  interface FastifyContextConfig {
    /** The resource whose records a GET answers with: the other formats map them by it. */
    resource?: ResourceName;
  }
}

export const jsonMediaType = 'application/json';

// biome-ignore lint/suspicious/noExplicitAny: each mapper takes its own record type; the caller picks it by the route's resource
type Mapper = (record: any, ctx: MapContext) => object;
interface ListEnvelope {
  data: unknown[];
  meta?: { total?: number; total_relation?: 'eq' | 'gte' };
  links?: { self?: string; next?: string | null };
}

/** A representation besides plain JSON: how to map each kind of record, and how to wrap one record or a page. */
export interface Format {
  name: string;
  mediaType: string;
  /** Mappers by resource name (`articles`); a resource without one is not offered in this format. */
  mappers: Partial<Record<ResourceName, Mapper>>;
  schema(many: boolean): z.ZodType;
  one(node: object): unknown;
  list(nodes: object[], envelope: ListEnvelope, ctx: MapContext): unknown;
}

const ninjsList = listEnvelope('NinjsItem', ninjsSchema);

export const formats: Format[] = [
  {
    name: 'jsonld',
    mediaType: jsonLdMediaType,
    mappers: jsonLdMappers,
    schema: () => jsonLdSchema,
    one: (node) => jsonLdDocument(node as Record<string, unknown>),
    list: (nodes, envelope, ctx) =>
      jsonLdList(nodes as Record<string, unknown>[], envelope.meta?.total_relation === 'eq' ? envelope.meta.total : undefined, `${ctx.origin}${envelope.links?.self ?? ''}`),
  },
  {
    name: 'ninjs',
    mediaType: ninjsMediaType,
    mappers: { articles: articleToNinjs },
    schema: (many) => (many ? ninjsList : ninjsSchema),
    one: (node) => node,
    list: (nodes, envelope) => ({ ...envelope, data: nodes }),
  },
];

/** `?format=`: the same choice as an Accept header, for links and clients that cannot set headers. */
const formatParam = z
  .enum(['json', ...formats.map((f) => f.name)] as [string, ...string[]])
  .optional()
  .meta({
    description: `the representation, instead of an Accept header: json, ${formats.map((f) => `${f.name} (${f.mediaType})`).join(', ')}; 406 when the resource is not offered in it`,
    example: 'json',
  });

/** Whether a GET's 200 response carries a page of records (`{ data: Record[] }`) rather than one (`{ data: Record }`). */
const carriesPage = (schema: unknown): boolean => schema instanceof z.ZodObject && schema.shape.data instanceof z.ZodArray;

interface JsonResponse {
  description?: string;
  content?: Record<string, { schema: unknown }>;
}

const jsonSchemaOf = (response: unknown): unknown => (response as JsonResponse).content?.[jsonMediaType]?.schema ?? response;

function withFormat(querystring: unknown): unknown {
  if (querystring === undefined) return z.strictObject({ format: formatParam });
  // safeExtend keeps any refinements the route's querystring has; a parsed query (a pipe) takes `format` in its object.
  if (querystring instanceof z.ZodObject) return querystring.safeExtend({ format: formatParam });
  if (querystring instanceof z.ZodPipe && querystring.in instanceof z.ZodObject) return new z.ZodPipe({ type: 'pipe', in: querystring.in.safeExtend({ format: formatParam }), out: querystring.out });
  return querystring;
}

interface AskedRepresentation {
  format: string | undefined;
  /** The first parameter that narrows the fields (`fields`, `fields[type]`). */
  narrowedBy: string | undefined;
}

function askedRepresentation(query: unknown): AskedRepresentation {
  if (typeof query !== 'object' || query === null) return { format: undefined, narrowedBy: undefined };
  return {
    format: 'format' in query && typeof query.format === 'string' ? query.format : undefined,
    narrowedBy: Object.keys(query).find((key) => key === 'fields' || key.startsWith('fields[')),
  };
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function appendVary(reply: FastifyReply, field: string) {
  const current = String(reply.getHeader('vary') ?? '');
  const fields = current
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (!fields.some((f) => f.toLowerCase() === field.toLowerCase())) reply.header('vary', [...fields, field].join(', '));
}

function chooseFormat(request: FastifyRequest, offered: Format[]): Format | null {
  const mediaTypes = [jsonMediaType, ...offered.map((f) => f.mediaType)];
  const { format: asked, narrowedBy: narrowed } = request.askedRepresentation ?? askedRepresentation(request.query);
  const chosen = asked === undefined ? negotiate(request.headers.accept, mediaTypes) : asked === 'json' ? jsonMediaType : offered.find((f) => f.name === asked)?.mediaType;
  if (!chosen) {
    const path = asked === undefined ? 'headers.accept' : 'querystring.format';
    const list = mediaTypes.join(', ');
    throw new KhabarError('not_acceptable', `this resource is offered as ${list}`, [{ path, message: `offered: ${list}` }]);
  }
  const format = offered.find((f) => f.mediaType === chosen) ?? null;
  // The standards' shapes are whole records: `fields` narrows JSON only.
  if (format && narrowed) {
    throw new KhabarError('validation_failed', `${narrowed} narrows JSON responses; it cannot be combined with ${format.mediaType}`, [
      { path: `querystring.${narrowed}`, message: `not available with ${format.mediaType}` },
    ]);
  }
  return format;
}

/**
 * Content negotiation for every GET: plain JSON, and for the records a format can map, schema.org JSON-LD
 * and IPTC ninjs. Routes need no code of their own: the representations are read off the 200 response schema.
 */
async function representations(app: FastifyInstance, options: { publicUrl: string }) {
  app.decorateRequest('representation', null);
  app.decorateRequest('askedRepresentation', null);

  function mapPayload(request: FastifyRequest, reply: FastifyReply, payload: unknown, record: { resource: ResourceName; many: boolean }) {
    const format = request.representation;
    if (format === null || reply.statusCode !== 200) return payload;
    // Links come from PUBLIC_URL, never from Host or X-Forwarded-Host: these bodies are publicly cached.
    const ctx = mapContext(options.publicUrl, app.repositories);
    const map = format.mappers[record.resource]!;
    const envelope = payload as ListEnvelope & { data: unknown };
    if (record.many && envelope.links?.next) reply.header('link', `<${envelope.links.next}>; rel="next"`);
    // Another format is another entity: its tag comes from the bytes it is sent as, not the record's revision.
    reply.type(`${format.mediaType}; charset=utf-8`).serializer(JSON.stringify).removeHeader('etag');
    return record.many
      ? format.list(
          (envelope.data as unknown[]).map((r) => map(r, ctx)),
          envelope,
          ctx,
        )
      : format.one(map(envelope.data, ctx));
  }

  app.addHook('onRoute', (route: RouteOptions) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    const methods = asArray(route.method);
    if (!methods.some((m) => m === 'GET' || m === 'HEAD') || route.schema?.hide || !response?.[200]) return;
    const json = jsonSchemaOf(response[200]);
    const resource = route.config?.resource;
    const record = resource ? { resource, many: carriesPage(json) } : null;
    const offered = record ? formats.filter((f) => f.mappers[record.resource]) : [];
    const content: Record<string, { schema: unknown }> = { [jsonMediaType]: { schema: json } };
    for (const f of offered) content[f.mediaType] = { schema: f.schema(record!.many) };
    response[200] = { description: (response[200] as JsonResponse).description ?? 'OK', content };
    // `format` joins the querystring, so every GET can now answer 400 (a bad format) as well as 406.
    for (const [status, problem] of Object.entries(problemResponses(400, 406))) response[status] ??= problem;
    route.schema!.querystring = withFormat(route.schema!.querystring);
    route.preValidation = [
      ...asArray(route.preValidation),
      (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
        request.askedRepresentation = askedRepresentation(request.query);
        done();
      },
    ];
    route.preHandler = [
      ...asArray(route.preHandler),
      (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        appendVary(reply, 'Accept');
        request.representation = chooseFormat(request, offered);
        done();
      },
    ];
    if (record && offered.length > 0) {
      route.preSerialization = [
        ...asArray(route.preSerialization),
        (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => done(null, mapPayload(request, reply, payload, record)),
      ];
    }
  });
}

export default fp(representations, { name: 'representations', decorators: { fastify: ['repositories'] } });
