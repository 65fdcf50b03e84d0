import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { fieldErrors, KhabarError } from '../../core/errors.js';
import type { ResourceName } from '../../core/resources/registry.js';
import { listEnvelope } from '../../core/resources/shared/schemas.js';
import { problemResponses } from '../http/problem.js';
import { type Traits, traitsOf } from '../http/traits.js';
import { appendVary } from '../http/vary.js';
import { type MapContext, mapWithReferences } from './context.js';
import { jsonLdDocument, jsonLdList, jsonLdMappers, jsonLdMediaType, jsonLdSchema } from './jsonld.js';
import { negotiate } from './negotiate.js';
import { articleToNinjs, ninjsMediaType, ninjsSchema } from './ninjs.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The negotiated representation when it is not plain JSON. */
    representation: Format | null;
    /** The `format` parameter, taken out of the query before the route's schema validates it. */
    askedFormat: unknown;
    /** The first parameter of the query as sent that narrows the fields (`fields`, `fields[type]`): the route's schema parses them into a value of its own. */
    narrowedBy: string | undefined;
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
    one: jsonLdDocument,
    list: (nodes, envelope, ctx) => jsonLdList(nodes, envelope.meta?.total_relation === 'eq' ? envelope.meta.total : undefined, `${ctx.origin}${envelope.links?.self ?? ''}`),
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
  .enum(['json', ...formats.map((f) => f.name)])
  .optional()
  .meta({
    description: `the representation, instead of an Accept header: json, ${formats.map((f) => `${f.name} (${f.mediaType})`).join(', ')}; 406 when the resource is not offered in it`,
    example: 'json',
  });

const formatQuery = z.object({ format: formatParam });

/** Whether a GET's 200 response carries a page of records (`{ data: Record[] }`) rather than one (`{ data: Record }`). */
const carriesPage = (schema: unknown): boolean => schema instanceof z.ZodObject && schema.shape.data instanceof z.ZodArray;

interface JsonResponse {
  description?: string;
  content?: Record<string, { schema: unknown }>;
}

const responsesOf = (schema: FastifySchema | undefined) => schema?.response as Record<string, unknown> | undefined;

const jsonSchemaOf = (response: unknown): unknown => (response as JsonResponse).content?.[jsonMediaType]?.schema ?? response;

function withFormat(querystring: unknown): unknown {
  if (querystring === undefined) return z.strictObject({ format: formatParam });
  // safeExtend keeps any refinements the route's querystring has; a parsed query (a pipe) takes `format` in its object.
  if (querystring instanceof z.ZodObject) return querystring.safeExtend({ format: formatParam });
  if (querystring instanceof z.ZodPipe && querystring.in instanceof z.ZodObject) return new z.ZodPipe({ type: 'pipe', in: querystring.in.safeExtend({ format: formatParam }), out: querystring.out });
  return querystring;
}

/** `?format=` as the route's querystring would have validated it: a 400 naming the parameter when it is not a format. */
function askedFormat(request: FastifyRequest): string | undefined {
  const parsed = formatQuery.safeParse({ format: request.askedFormat });
  if (parsed.success) return parsed.data.format;
  const errors = fieldErrors(parsed.error.issues, 'querystring');
  throw new KhabarError('validation_failed', `invalid querystring: ${errors[0]!.message}`, errors);
}

function chooseFormat(request: FastifyRequest, offered: Format[]): Format | null {
  const mediaTypes = [jsonMediaType, ...offered.map((f) => f.mediaType)];
  const asked = askedFormat(request);
  const chosen = asked === undefined ? negotiate(request.headers.accept, mediaTypes) : asked === 'json' ? jsonMediaType : offered.find((f) => f.name === asked)?.mediaType;
  if (!chosen) {
    const path = asked === undefined ? 'headers.accept' : 'querystring.format';
    const list = mediaTypes.join(', ');
    throw new KhabarError('not_acceptable', `this resource is offered as ${list}`, [{ path, message: `offered: ${list}` }]);
  }
  const format = offered.find((f) => f.mediaType === chosen) ?? null;
  // The standards' shapes are whole records: `fields` narrows JSON only.
  const narrowed = request.narrowedBy;
  if (format && narrowed) {
    throw new KhabarError('validation_failed', `${narrowed} narrows JSON responses; it cannot be combined with ${format.mediaType}`, [
      { path: `querystring.${narrowed}`, message: `not available with ${format.mediaType}` },
    ]);
  }
  return format;
}

/** The formats besides JSON that a route declaring `traits.formats` offers. */
const offeredFor = (declared: NonNullable<Traits['formats']>): Format[] => (declared === 'json' ? [] : formats.filter((f) => f.mappers[declared]));

/**
 * What `traits.formats` adds to a route's schema in the contract: the `format` parameter, each offered media
 * type of the 200, and the 400 (a bad format) and 406 that negotiation can answer.
 */
export function describeFormats(schema: FastifySchema, declared: Traits['formats']): FastifySchema {
  const response = responsesOf(schema);
  if (declared === undefined || !response?.[200]) return schema;
  const json = jsonSchemaOf(response[200]);
  const many = carriesPage(json);
  const content: Record<string, { schema: unknown }> = { [jsonMediaType]: { schema: json } };
  for (const f of offeredFor(declared)) content[f.mediaType] = { schema: f.schema(many) };
  return {
    ...schema,
    querystring: withFormat(schema.querystring),
    response: { ...problemResponses(400, 406), ...response, 200: { description: (response[200] as JsonResponse).description ?? 'OK', content } },
  };
}

/**
 * Content negotiation for the routes that declare `traits.formats`: plain JSON, and for the records a format
 * can map, schema.org JSON-LD and IPTC ninjs. The handler answers JSON; the mapping happens here.
 */
async function representations(app: FastifyInstance, options: { publicUrl: string }) {
  app.decorateRequest('representation', null);
  app.decorateRequest('askedFormat', undefined);
  app.decorateRequest('narrowedBy', undefined);

  async function mapPayload(request: FastifyRequest, reply: FastifyReply, payload: unknown, record: { resource: ResourceName; many: boolean }) {
    const format = request.representation;
    if (format === null || reply.statusCode !== 200) return payload;
    const map = format.mappers[record.resource]!;
    const envelope = payload as ListEnvelope & { data: unknown };
    if (record.many && envelope.links?.next) reply.header('link', `<${envelope.links.next}>; rel="next"`);
    // Another format is another entity: its tag comes from the bytes it is sent as, not the record's revision.
    reply.type(`${format.mediaType}; charset=utf-8`).serializer(JSON.stringify).removeHeader('etag');
    // Links come from PUBLIC_URL, never from Host or X-Forwarded-Host: these bodies are publicly cached.
    return mapWithReferences(options.publicUrl, app.services.referenced, (ctx) =>
      record.many
        ? format.list(
            (envelope.data as unknown[]).map((r) => map(r, ctx)),
            envelope,
            ctx,
          )
        : format.one(map(envelope.data, ctx)),
    );
  }

  app.addHook('preValidation', (request, _reply, done) => {
    // The route's querystring schema does not name `format`: the declaration adds it (describeFormats).
    const query = request.query as Record<string, unknown>;
    if (traitsOf(request).formats === undefined) return done();
    request.narrowedBy = Object.keys(query ?? {}).find((key) => key === 'fields' || key.startsWith('fields['));
    if (query.format !== undefined) {
      request.askedFormat = query.format;
      delete query.format;
    }
    done();
  });
  app.addHook('preHandler', (request, reply, done) => {
    const { formats } = traitsOf(request);
    if (formats === undefined) return done();
    appendVary(reply, 'Accept');
    request.representation = chooseFormat(request, offeredFor(formats));
    done();
  });
  app.addHook('preSerialization', (request, reply, payload, done) => {
    const { formats } = traitsOf(request);
    if (formats === undefined || formats === 'json' || request.representation === null) return done(null, payload);
    const many = carriesPage(jsonSchemaOf(responsesOf(request.routeOptions.schema)?.[200]));
    mapPayload(request, reply, payload, { resource: formats, many }).then((mapped) => done(null, mapped), done);
  });
}

export default fp(representations, { name: 'representations', dependencies: ['rate-limit', 'conditional-get'], decorators: { fastify: ['services'] } });
