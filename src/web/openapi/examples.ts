import type { FieldError, ProblemCode } from '../../core/errors.js';
import { entityResources } from '../../core/facts/entities.js';
import { decodeCursor, encodeCursor } from '../../core/list/cursor.js';
import { everything } from '../../core/list/visibility.js';
import { plainText } from '../../core/resources/articles/repository.js';
import type { Block } from '../../core/resources/articles/table.js';
import { resourceNames } from '../../core/resources/registry.js';
import { searchText } from '../../core/search/query.js';
import { searchTypes } from '../../core/search/sources.js';
import { openServices } from '../../core/services.js';
import { exampleWebhookUrl } from '../../core/webhooks/schemas.js';
import { problem, problemCodes, problemMediaType } from '../http/problem.js';
import { type Kind, type MapContext, mapContext } from '../representations/context.js';
import { formats, jsonMediaType } from '../representations/index.js';
import { type Json, operations } from './tidy.js';

type Rec = Json & { id: string; slug: string; created_at: string; updated_at: string };

const schemaRef = '#/components/schemas/';
const exampleRef = '#/components/examples/';
const exampleQuery = searchText.meta()?.example as string;
/** Seeding stamps records with the time it ran; the document shows one fixed time so it does not drift. */
const exampleTime = '2026-11-26T09:00:00.000Z';
/** How many items of a list an example shows: the shape, not the seed's whole content. */
const exampleItems = 2;

/** What a problem of each code typically says, on a request that would get it. */
const problemDetails: Record<ProblemCode, { instance: string; detail: string; errors?: FieldError[] }> = {
  validation_failed: {
    instance: '/v1/articles',
    detail: 'invalid querystring: Too big: expected number to be <=100',
    errors: [{ path: 'querystring.limit', message: 'Too big: expected number to be <=100' }],
  },
  malformed_body: { instance: '/v1/articles', detail: "Body is not valid JSON but content-type is set to 'application/json'" },
  malformed_request: { instance: '/v1/articles', detail: 'the request line or headers cannot be parsed (HPE_INVALID_METHOD)' },
  unauthorized: { instance: '/v1/articles', detail: 'missing or invalid bearer token' },
  forbidden: { instance: '/v1/articles', detail: 'this needs a token with the editor role or above; the token frontend has the preview role' },
  not_found: { instance: '/v1/people/no-such-person', detail: 'no record with id or slug no-such-person' },
  route_not_found: { instance: '/v1/unknown', detail: 'no route GET /v1/unknown' },
  method_not_allowed: { instance: '/v1/people/علي-العدواني', detail: 'POST is not allowed here; use DELETE, GET, HEAD, OPTIONS, PATCH, PUT' },
  idempotency_key_in_flight: { instance: '/v1/articles', detail: 'a request with this Idempotency-Key is still being processed' },
  request_timeout: { instance: '/v1/articles', detail: 'the request was not complete within the request timeout' },
  precondition_failed: { instance: '/v1/people/علي-العدواني', detail: 'the record has changed: its current ETag is "2f8c1e0a9b7d6c5e"' },
  idempotency_key_reused: { instance: '/v1/articles', detail: 'this Idempotency-Key was used for a different request; use a new key' },
  precondition_required: { instance: '/v1/people/علي-العدواني', detail: 'send If-Match with the ETag of the record you are changing (GET it first)' },
  not_acceptable: {
    instance: '/v1/people/علي-العدواني',
    detail: 'this resource is offered as application/json, application/ld+json',
    errors: [{ path: 'headers.accept', message: 'offered: application/json, application/ld+json' }],
  },
  slug_taken: {
    instance: '/v1/people',
    detail: 'the slug علي-العدواني is already in use',
    errors: [{ path: 'body.slug', message: 'already in use' }],
  },
  in_use: { instance: '/v1/organisations/وزارة-الداخلية-الكويتية', detail: 'the organisation hosts meetings; delete or move them first' },
  limit_reached: { instance: '/v1/webhooks', detail: '100 webhooks are stored, the most allowed; delete one first' },
  payload_too_large: { instance: '/v1/articles', detail: 'Request body is too large' },
  unsupported_media_type: { instance: '/v1/articles', detail: 'Unsupported Media Type: text/plain' },
  unknown_reference: {
    instance: '/v1/articles',
    detail: 'person_ids.0 refers to a record that does not exist',
    errors: [{ path: 'body.person_ids.0', message: 'no such record' }],
  },
  invalid_reference: {
    instance: '/v1/organisations/وزارة-الداخلية-الكويتية',
    detail: 'an organisation cannot be its own ancestor',
    errors: [{ path: 'body.parent_id', message: 'cycle' }],
  },
  too_many_requests: { instance: '/v1/articles', detail: 'Rate limit exceeded, retry in 1 minute' },
  headers_too_large: { instance: '/v1/articles', detail: 'the request headers are larger than the server accepts' },
  internal_error: { instance: '/v1/articles', detail: 'an unexpected error occurred; it has been logged' },
  overloaded: { instance: '/v1/articles', detail: 'the server is over its eventLoopDelay limit; retry in 10 s' },
};

/**
 * The seed in a throwaway database, and everything the examples draw from it, read through the services before
 * the examples are built: its records, the first article's mentions, each first record's provenance and revision
 * 1, the feed's first event and a page of one search result.
 */
async function seededExamples() {
  const services = await openServices('file::memory:');
  try {
    await services.prepare('auto');
    const listed = await Promise.all(resourceNames.map(async (kind) => [kind, (await services.resources[kind].list({ limit: 100 }, everything)).shown.data as Rec[]] as const));
    const stored = Object.fromEntries(listed) as Record<Kind, Rec[]>;
    const firstOf = (kind: Kind) => stored[kind][0];
    const firstArticle = firstOf('articles');
    const provenance = await Promise.all(
      entityResources.map(async (entity) => [entity.name, firstOf(entity.name) && (await services.facts.provenance(entity, firstOf(entity.name)!.id, everything))] as const),
    );
    const revisions = await Promise.all(resourceNames.map(async (kind) => [kind, firstOf(kind) && (await services.revisions.find(kind, firstOf(kind)!.id, 1))] as const));
    return {
      stored,
      records: { ...stored, articles: stored.articles.map(opening) },
      mentions: firstArticle ? await services.facts.mentions(firstArticle.id, everything) : null,
      provenance: new Map(provenance),
      revisions: new Map(revisions),
      firstChange: (await services.changes.page(0, 1, everything)).events[0],
      searchPage: await services.search.search({ q: exampleQuery, types: searchTypes, limit: 1 }),
    };
  } finally {
    await services.close();
  }
}

type Seeded = Awaited<ReturnType<typeof seededExamples>>;

/**
 * An article cut to the first sentence of its first block, its plain text to match: the examples show the
 * shape, and the whole report would be repeated in every example of every format.
 */
function opening(article: Rec): Rec {
  const [first]: Block[] = article.body;
  const body: Block[] = first ? [{ ...first, text: firstSentence(first.text) }] : [];
  return { ...article, body, body_text: plainText(body) };
}

/** Text up to its first full stop (Latin or Arabic), or all of it. */
const firstSentence = (text: string) => /^.*?[.؟!](?=\s|$)/su.exec(text)?.[0] ?? text;

/** Stable stand-ins for the ids and timestamps a seed run generates, so the committed document does not drift. */
function stabiliser(records: Record<Kind, Rec[]>) {
  const replacements = new Map<string, string>();
  Object.values(records)
    .flat()
    .forEach((record, index) => {
      replacements.set(record.id, `0196b2a0-7c00-7000-8000-${String(index + 1).padStart(12, '0')}`);
      replacements.set(record.created_at, exampleTime);
      replacements.set(record.updated_at, exampleTime);
    });
  const pattern = new RegExp([...replacements.keys()].map((key) => key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return {
    id: (raw: string) => replacements.get(raw)!,
    apply: <T>(value: T): T => JSON.parse(JSON.stringify(value).replace(pattern, (match) => replacements.get(match)!)) as T,
  };
}

const refName = (schema: Json | undefined): string | undefined => (typeof schema?.$ref === 'string' && schema.$ref.startsWith(schemaRef) ? schema.$ref.slice(schemaRef.length) : undefined);

const kindOfPath = (path: string): Kind | undefined => /^\/v1\/([^/]+)/.exec(path)?.[1] as Kind | undefined;

/** Webhooks are not in the seed: one made-up webhook and delivery, by the response schema that carries them. */
const exampleWebhook = {
  id: '0196b2a0-7c00-7000-8000-0000000000ff',
  url: exampleWebhookUrl,
  resources: ['articles'],
  actions: ['published', 'unpublished'],
  created_at: exampleTime,
  updated_at: exampleTime,
};
const exampleDelivery = { id: 42, seq: 7, status: 'succeeded', attempts: 1, next_attempt_at: null, last_attempt_at: exampleTime, response_status: 200, error: null };
const webhookExamples: Record<string, unknown> = {
  CreatedWebhookResponse: { data: { ...exampleWebhook, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw2mQ6Di4w9H0=' } },
  WebhookList: { data: [exampleWebhook] },
  WebhookResponse: { data: exampleWebhook },
  WebhookDeliveryList: { data: [exampleDelivery], meta: { limit: 20, next_cursor: null }, links: { self: `/v1/webhooks/${exampleWebhook.id}/deliveries`, next: null } },
  WebhookDeliveryResponse: { data: { ...exampleDelivery, status: 'pending', attempts: 0, next_attempt_at: exampleTime } },
};

class ExampleBuilder {
  /** Record schema name (`Article`) → kind of record (`articles`), read off the `GET /v1/{kind}/{id}` responses. */
  private readonly kindOfRecord = new Map<string, Kind>();
  private readonly ctx: MapContext;

  private readonly records: Record<Kind, Rec[]>;

  constructor(
    private readonly document: Json,
    private readonly seeded: Seeded,
    private readonly stableId: (raw: string) => string,
  ) {
    this.records = seeded.records;
    // The mappers name the records others refer to: the seed's, as stored (an article's whole body).
    const byId = new Map(Object.values(seeded.stored).flatMap((rows) => rows.map((row) => [row.id, row] as const)));
    this.ctx = mapContext(document.servers?.[0]?.url ?? '', (_kind, id) => byId.get(id) ?? null);
    // Every record shape the resource routes answer with (the record, and its view with embedded relations).
    for (const { path, operation } of operations(document)) {
      const kind = kindOfPath(path);
      if (!kind || !(kind in this.records) || !/^\/v1\/[^/]+(\/\{id\})?$/.test(path)) continue;
      for (const status of ['200', '201']) {
        const data = this.component(operation.responses?.[status]?.content?.[jsonMediaType]?.schema)?.properties?.data;
        const name = refName(data) ?? refName(data?.items);
        if (name) this.kindOfRecord.set(name, kind);
      }
    }
  }

  private component(schema: Json | undefined): Json | undefined {
    const name = refName(schema);
    return name ? this.document.components?.schemas?.[name] : schema;
  }

  /** The record an envelope schema (`{ data: Record }` or `{ data: Record[] }`) carries, with its samples. */
  private envelopeRecords(schema: Json | undefined): { kind: Kind; many: boolean; rows: Rec[] } | undefined {
    const data = this.component(schema)?.properties?.data;
    const name = refName(data) ?? refName(data?.items);
    const kind = name ? this.kindOfRecord.get(name) : undefined;
    return kind ? { kind, many: refName(data) === undefined, rows: this.records[kind] } : undefined;
  }

  /** The example of a 2xx body: an envelope of sample records, in JSON or mapped to another format. */
  success(path: string, mediaType: string, schema: Json | undefined): unknown {
    if (path.startsWith('/v1/webhooks')) return webhookExamples[refName(schema) ?? ''];
    const facts = this.factsExample(path, schema);
    if (facts !== undefined) return facts;
    const envelope = this.envelopeRecords(schema);
    if (!envelope) return this.component(schema)?.examples?.[0];
    const [first] = envelope.rows;
    if (!first) return undefined;
    // A list shows its first page of one record, and the cursor to the next: the shape of a page, not the whole seed.
    const cursor = envelope.rows.length > 1 ? encodeCursor(this.stableId(first.id)) : null;
    const json = envelope.many
      ? {
          data: [first],
          meta: { limit: 1, next_cursor: cursor, total: envelope.rows.length, total_relation: 'eq' },
          links: { self: `${path}?limit=1`, next: cursor && `${path}?limit=1&cursor=${cursor}` },
        }
      : { data: first };
    const format = formats.find((f) => f.mediaType === mediaType);
    if (!format) return json;
    const map = format.mappers[envelope.kind]!;
    return envelope.many ? format.list([map(first, this.ctx)], json as { data: Rec[] }, this.ctx) : format.one(map(first, this.ctx));
  }

  /** The first page of one search result, and the cursor of page two with the stable stand-in for the id it holds. */
  private searchPage() {
    const { results, nextCursor } = this.seeded.searchPage;
    const [rank, type, id, query] = decodeCursor(nextCursor!) as [number, string, string, string];
    return { results, cursor: encodeCursor([rank, type, this.stableId(id), query]) };
  }

  /** Search results, mentions and provenance, as the seed gives them for its first record of the path's kind. */
  private factsExample(path: string, schema: Json | undefined): unknown {
    if (path === '/v1/search') {
      const { results, cursor } = this.searchPage();
      const self = `/v1/search?q=${encodeURIComponent(exampleQuery)}&limit=1`;
      return { data: results, meta: { limit: 1, next_cursor: cursor }, links: { self, next: `${self}&cursor=${cursor}` } };
    }
    if (path.startsWith('/v1/changes')) return this.changesExample(path);
    const kind = kindOfPath(path);
    const first = kind ? this.records[kind]?.[0] : undefined;
    if (!kind || !first) return undefined;
    if (path.includes('/revisions')) return this.revisionsExample(path, kind, first);
    if (path.endsWith('/restore')) return { data: first };
    // The trash as it would list the first record once deleted (an emptying's answer is its schema's example).
    if (path.endsWith('/trash') && refName(schema) === 'TrashList') {
      const trashed = { id: first.id, slug: first.slug, version: first.version, trashed_at: exampleTime, trashed_by: 'desk' };
      return { data: [trashed], meta: { limit: 20, next_cursor: null }, links: { self: path, next: null } };
    }
    if (path === '/v1/articles/import') return { data: first, mentions: this.seeded.mentions };
    if (path.endsWith('/mentions')) return { data: this.seeded.mentions };
    const entity = entityResources.find(({ name }) => name === kind);
    if (path.endsWith('/provenance') && entity) {
      const rows = this.seeded.provenance.get(entity.name) ?? [];
      return { data: rows.map((row) => ({ ...row, recorded_at: exampleTime })) };
    }
    return undefined;
  }

  /** The seed's first event: a page of one, or the stream's frame of it. */
  private changesExample(path: string): unknown {
    const change = { ...this.seeded.firstChange!, at: exampleTime };
    if (path.endsWith('/stream')) return `id: ${change.seq}\nevent: ${change.action}\ndata: ${JSON.stringify(change)}\n\n`;
    return { data: [change], meta: { limit: 1, after: 0, next_after: change.seq }, links: { self: '/v1/changes?limit=1', next: `/v1/changes?limit=1&after=${change.seq}` } };
  }

  /** The seed's revision 1 of the first record: in a page, alone, and compared with a revision 2 that changed its version. */
  private revisionsExample(path: string, kind: Kind, first: Rec): unknown {
    if (path.endsWith('/restore')) return { data: first };
    const revision = { ...this.seeded.revisions.get(kind)!, at: exampleTime };
    const { record, ...summary } = revision;
    if (path.endsWith('/revisions')) return { data: [summary], meta: { limit: 20, next_cursor: null }, links: { self: path, next: null } };
    if (path.endsWith('/diff')) return { data: { from: 1, to: 2, changes: [{ field: 'version', before: 1, after: 2 }] } };
    return { data: { ...revision, record: first } };
  }

  /** A write body from the first sample of the path's kind: the fields the body takes, less read-only ones. */
  requestBody(path: string, schema: Json | undefined): unknown {
    const properties: Json = this.component(schema)?.properties ?? {};
    // A body of something the seed does not hold (a webhook) is made of its fields' own examples.
    const sample = this.records[kindOfPath(path)!]?.[0] ?? Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, property.examples?.[0] ?? property.example]));
    const writable = Object.keys(properties).filter((key) => key in sample && !properties[key].readOnly);
    const required: string[] = this.component(schema)?.required ?? [];
    // A merge patch (nothing required) shows one change: the first field after the slug.
    const keys = required.length > 0 ? writable : writable.filter((key) => key !== 'slug').slice(0, 1);
    return Object.fromEntries(keys.map((key) => [key, sample[key]]));
  }

  parameter(path: string, parameter: Json): unknown {
    const first = this.records[kindOfPath(path)!]?.[0];
    if (path === '/v1/search' && parameter.name === 'cursor') return this.searchPage().cursor;
    if (parameter.in === 'path' && parameter.name === 'id') {
      if (path.startsWith('/v1/webhooks')) return exampleWebhook.id;
      // The trash's routes take an id only (a trashed record's slug may be another's since).
      return parameter.schema?.$ref?.endsWith('/RecordId') && first ? this.stableId(first.id) : first?.slug;
    }
    if (!first || parameter.in !== 'query' || parameter.name !== 'cursor') return undefined;
    // The trash's pages continue after a time and an id.
    if (path.endsWith('/trash')) return encodeCursor([exampleTime, this.stableId(first.id)]);
    // A cursor that continues after the first record: "page two" (a revision's cursor is its number, exemplified by its schema).
    if (!path.includes('/revisions')) return encodeCursor(this.stableId(first.id));
    return undefined;
  }
}

/** Every list in an example cut to its first items: two show the shape, and the seed's long lists (a meeting's eight topics) would fill the document. */
function abridged(value: unknown): unknown {
  if (Array.isArray(value)) return value.slice(0, exampleItems).map(abridged);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, abridged(item)]));
  return value;
}

/** Names of the example components; the same value proposed twice is stored once, under the first name it got. */
class ExampleComponents {
  readonly examples: Record<string, { summary?: string; value: unknown }> = {};
  private readonly nameOfValue = new Map<string, string>();

  /**
   * A reference to `value` under the first of `names` not taken by another value. A scope keeps apart equal
   * values that name different things (a meeting whose slug is also an article's).
   */
  ref(names: string[], value: unknown, { summary, scope = '' }: { summary?: string; scope?: string } = {}): Json {
    const key = `${scope} ${JSON.stringify(value)}`;
    let name = this.nameOfValue.get(key);
    if (!name) {
      name = names.find((candidate) => !(candidate in this.examples)) ?? `${names.at(-1)}_${this.nameOfValue.size}`;
      this.examples[name] = summary ? { summary, value } : { value };
      this.nameOfValue.set(key, name);
    }
    return { $ref: `${exampleRef}${name}` };
  }
}

/** Format suffix of an example's name: none for JSON, the format's name (`jsonld`, `ninjs`) otherwise. */
const formatSuffix = (mediaType: string) => {
  const format = formats.find((f) => f.mediaType === mediaType);
  return format ? `_${format.name}` : '';
};

/** One problem example per code, referenced by every response whose status can carry that code. */
function problemExampleRefs(components: ExampleComponents, status: number): Json {
  const codes = (Object.keys(problemCodes) as ProblemCode[]).filter((code) => problemCodes[code].status === status);
  return Object.fromEntries(
    codes.map((code) => {
      const { instance, detail, errors } = problemDetails[code];
      return [code, components.ref([`problem_${code}`], { ...problem(code, detail, errors), instance }, { summary: problemCodes[code].title })];
    }),
  );
}

/** A path of every resource (`/v1/{resource}/…`) is exemplified with the resource its `resource` parameter's example names. */
function examplePath(path: string, operation: Json): string {
  const resource = (operation.parameters ?? []).find((parameter: Json) => parameter.in === 'path' && parameter.name === 'resource');
  return resource ? path.replace('{resource}', resource.schema.example) : path;
}

function attachOperationExamples(builder: ExampleBuilder, components: ExampleComponents, documentPath: string, operation: Json) {
  const path = examplePath(documentPath, operation);
  const kind = kindOfPath(path) ?? 'meta';
  const names = (base: string | undefined, suffix = '') => [...(base ? [`${base}${suffix}`, `${base}_${kind}${suffix}`] : []), `${operation.operationId}${suffix}`];
  const parameters: Json[] = operation.parameters ?? [];
  for (const parameter of parameters) {
    const example = builder.parameter(path, parameter);
    if (example === undefined) continue;
    // The seeded value replaces the schema's generic example: one example, which names a real record.
    delete parameter.schema?.example;
    parameter.examples = { seed: components.ref([`${parameter.name}_${kind}`], example, { scope: kind }) };
  }
  const body = operation.requestBody?.content?.[jsonMediaType];
  if (body) body.examples = { seed: components.ref(names(refName(body.schema), '_body'), abridged(builder.requestBody(path, body.schema)), { scope: kind }) };
  for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
    if (!response.content) continue;
    // A fresh media type object each: the HTTP semantics share one content object between statuses.
    response.content = Object.fromEntries(
      Object.entries<Json>(response.content).map(([mediaType, content]) => {
        if (mediaType === problemMediaType) return [mediaType, { ...content, examples: problemExampleRefs(components, Number(status)) }];
        // Other formats map the JSON body, so their example comes from the JSON schema's records.
        const jsonSchema = response.content[jsonMediaType]?.schema ?? content.schema;
        const value = abridged(builder.success(path, mediaType, jsonSchema));
        if (value === undefined) return [mediaType, content];
        return [mediaType, { ...content, examples: { seed: components.ref(names(refName(jsonSchema), formatSuffix(mediaType)), value, { scope: kind }) } }];
      }),
    );
  }
}

/**
 * Gives every parameter, request body and response of the document an example drawn from the seed: the
 * records the source document yields, each format's mapping of them, and the problems each status can carry.
 * Each distinct example is written once, under components/examples, and referenced.
 */
export async function attachExamples(document: Json): Promise<Json> {
  const seeded = await seededExamples();
  const stable = stabiliser(seeded.records);
  const builder = new ExampleBuilder(document, seeded, stable.id);
  const components = new ExampleComponents();
  const paths: Json = structuredClone(document.paths);
  for (const { path, operation } of operations({ paths })) attachOperationExamples(builder, components, path, operation);
  return { ...document, paths, components: { ...document.components, examples: stable.apply(components.examples) } };
}
