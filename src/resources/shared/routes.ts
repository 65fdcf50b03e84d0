import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fieldErrors, KhabarError } from '../../errors.js';
import { bearerSecurity } from '../../http/auth.js';
import { mergePatch } from '../../http/merge-patch.js';
import { problemResponses } from '../../http/problem.js';
import { decodeCursor, encodeCursor } from '../../list/cursor.js';
import { dataEnvelope, listEnvelope } from './schemas.js';
import type { Repository } from './repository.js';

export interface ResourceDefinition<Rec, Input> {
  /** URL segment and OpenAPI tag: `articles`. */
  path: string;
  /** Schema name: `Article`. */
  name: string;
  noun: string;
  record: z.ZodType<Rec>;
  input: z.ZodType<Input>;
  patch: z.ZodType;
  repository: Repository<Rec, Input>;
}

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'page size', example: 20 }),
  cursor: z.string().max(512).optional().meta({ description: 'opaque cursor from meta.next_cursor' }),
});

const params = z.strictObject({
  id: z.string().min(1).max(200).meta({ description: 'record id or slug', example: 'علي-العدواني' }),
});

function nextLink(request: FastifyRequest, cursor: string): string {
  const url = new URL(request.url, 'http://khabar.invalid');
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}${url.search}`;
}

function afterId(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(cursor);
  if (typeof key !== 'string') throw new KhabarError('validation_failed', 'cursor is not one this API issued');
  return key;
}

/** The five CRUD operations of a resource, the same for all four. */
export function resourceRoutes<Rec extends { id: string }, Input>(def: ResourceDefinition<Rec, Input>): FastifyPluginAsyncZod {
  const { path, name, noun, repository } = def;
  const single = dataEnvelope(name, def.record);
  const tags = [path];
  const throwNotFound = (id: string): never => {
    throw new KhabarError('not_found', `no ${noun} with id or slug ${id}`);
  };
  const writeErrors = problemResponses(400, 401, 409, 413, 415, 422);

  return async (app) => {
    app.get(`/v1/${path}`, {
      schema: {
        tags,
        operationId: `list_${path}`,
        summary: `List ${path}`,
        description: `Newest first, in pages of \`limit\`; follow \`links.next\` for the next page.`,
        querystring: listQuery,
        response: { 200: listEnvelope(name, def.record), ...problemResponses(400) },
      },
      handler: async (request) => {
        const { limit, cursor } = request.query;
        const page = repository.list({ limit, after: afterId(cursor) });
        const next = page.nextCursor === null ? null : encodeCursor(page.nextCursor);
        return {
          data: page.rows,
          meta: { limit, next_cursor: next, total: page.total },
          links: { self: request.url, next: next === null ? null : nextLink(request, next) },
        };
      },
    });

    app.get(`/v1/${path}/:id`, {
      schema: {
        tags,
        operationId: `get_${noun}`,
        summary: `Get one ${noun}`,
        description: 'By id or slug.',
        params,
        response: { 200: single, ...problemResponses(400, 404) },
      },
      handler: async (request) => ({ data: repository.find(request.params.id) ?? throwNotFound(request.params.id) }),
    });

    app.post(`/v1/${path}`, {
      schema: {
        tags,
        operationId: `create_${noun}`,
        summary: `Create a ${noun}`,
        security: bearerSecurity,
        body: def.input,
        response: { 201: single, ...writeErrors },
      },
      handler: async (request, reply) => {
        const record = repository.create(request.body as Input, { writer: request.writer! });
        reply.code(201).header('Location', `/v1/${path}/${record.id}`);
        return { data: record };
      },
    });

    app.put(`/v1/${path}/:id`, {
      schema: {
        tags,
        operationId: `replace_${noun}`,
        summary: `Replace a ${noun}`,
        description: 'The body is the whole record: a left-out nullable field becomes null and a left-out list becomes empty.',
        security: bearerSecurity,
        params,
        body: def.input,
        response: { 200: single, ...writeErrors, ...problemResponses(404) },
      },
      handler: async (request) => ({
        data: repository.replace(request.params.id, request.body as Input, { writer: request.writer! }) ?? throwNotFound(request.params.id),
      }),
    });

    app.patch(`/v1/${path}/:id`, {
      schema: {
        tags,
        operationId: `update_${noun}`,
        summary: `Update part of a ${noun}`,
        description: 'JSON merge patch (RFC 7396): the fields given replace the stored ones; `null` clears a nullable field.',
        security: bearerSecurity,
        params,
        body: def.patch,
        response: { 200: single, ...writeErrors, ...problemResponses(404) },
      },
      handler: async (request) => {
        const current = repository.find(request.params.id) ?? throwNotFound(request.params.id);
        const { id, created_at, updated_at, ...fields } = current as Record<string, unknown>;
        const merged = def.input.safeParse(mergePatch(fields, request.body));
        if (!merged.success) {
          const errors = fieldErrors(merged.error.issues, 'body');
          throw new KhabarError('validation_failed', `the patched ${noun} is not valid: ${errors[0]!.path}`, errors);
        }
        return { data: repository.replace(id as string, merged.data, { writer: request.writer! }) ?? throwNotFound(request.params.id) };
      },
    });

    app.delete(`/v1/${path}/:id`, {
      schema: {
        tags,
        operationId: `delete_${noun}`,
        summary: `Delete a ${noun}`,
        security: bearerSecurity,
        params,
        response: { 204: z.null().meta({ description: 'Deleted' }), ...problemResponses(400, 401, 404, 409, 413, 415) },
      },
      handler: async (request, reply) => {
        if (!repository.remove(request.params.id, { writer: request.writer! })) throwNotFound(request.params.id);
        return reply.code(204).send(null);
      },
    });
  };
}
