import type { FastifyContextConfig } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KhabarError } from '../../../core/errors.js';
import type { ResourceName } from '../../../core/resources/registry.js';
import { type Resource, recordName } from '../../../core/resources/shared/declaration.js';
import type { RecordService } from '../../../core/resources/shared/record-service.js';
import { dataEnvelope } from '../../../core/resources/shared/schemas.js';
import { withArticle } from '../../../core/text/english.js';
import { revisionTag } from '../../http/etag.js';
import { jsonMediaType, patchMediaTypes } from '../../http/media-types.js';
import { writeOptions } from '../../http/preconditions.js';
import { problemResponses } from '../../http/problem.js';
import { jsonResponse } from '../../http/responses.js';
import { listEndpoint } from '../../list/endpoint.js';
import { catalog } from '../catalog.js';

export const params = z.strictObject({
  id: z.string().min(1).max(200).meta({ description: 'record id or slug', example: 'علي-العدواني' }),
});

/**
 * A route served once for several resources at `/v1/{resource}/{id}…`: its path's first segments and its path
 * parameters. The router matches only these names in that segment, so any other is a 404 like every unknown route.
 */
export function anyOfResources<Name extends ResourceName>(names: readonly Name[], example: NoInfer<Name>) {
  return {
    path: `/v1/:resource(${names.join('|')})/:id`,
    params: params.extend({ resource: z.enum(names).meta({ description: 'the kind of record', example }) }),
  };
}

/** The six CRUD operations of a resource (list, read, create, replace, patch, delete), made from its declaration: the same for every resource. */
export function resourceRoutes(resource: Resource<ResourceName>, records: RecordService): FastifyPluginAsyncZod {
  const { name: path, noun } = resource;
  const name = recordName(resource);
  const single = dataEnvelope(name, resource.record);
  const tags = [path];
  const throwNotFound = (id: string): never => {
    throw new KhabarError('not_found', `no ${noun} with id or slug ${id}`);
  };
  const writeErrors = problemResponses(400, 409, 413, 415, 422);
  const listing = listEndpoint(name, resource.record, resource.list, catalog);

  return async (app) => {
    const handlers = listing.handlers(records, noun, path);
    // The resource names the mappers that turn its records into JSON-LD or ninjs.
    const read: FastifyContextConfig = { traits: { rateLimit: 'read', cacheable: true, formats: path } };
    const readOne: FastifyContextConfig = {
      traits: {
        ...read.traits,
        async currentEtag(request) {
          const revision = await records.revision(params.parse(request.params).id, await request.visibility);
          return revision === null ? null : revisionTag(revision);
        },
      },
    };
    const create: FastifyContextConfig = { traits: { role: 'editor', rateLimit: 'write', idempotent: true } };
    const change: FastifyContextConfig = { traits: { role: 'editor', rateLimit: 'write', conditionalWrite: true } };
    app.get(`/v1/${path}`, {
      config: {
        traits: {
          ...read.traits,
          keptAcrossWrites: async (id, visibility) => (await records.revision(id, visibility)) !== null,
        },
      },
      schema: {
        tags,
        operationId: `list_${path}`,
        summary: `List ${path}`,
        description:
          'Newest first unless `sort` says otherwise, in keyset pages of `limit`: follow `links.next` (also the `Link: rel="next"` header) ' +
          'until it is null. `filter`, `sort`, `fields` and `include` make up the list query language (see the README).',
        querystring: listing.listQuery,
        response: { 200: jsonResponse(`A page of ${path}`, listing.listResponse), ...problemResponses(400) },
      },
      handler: (request, reply) => handlers.list(request, reply),
    });

    app.get(`/v1/${path}/:id`, {
      config: readOne,
      schema: {
        tags,
        operationId: `get_${noun}`,
        summary: `Get one ${noun}`,
        description: 'By id or slug; `fields` and `include` as on the list.',
        params,
        querystring: listing.getQuery,
        response: { 200: jsonResponse(`The ${noun}`, listing.getResponse), ...problemResponses(400, 404) },
      },
      handler: (request, reply) => handlers.one(request, reply),
    });

    app.post(`/v1/${path}`, {
      config: create,
      schema: {
        tags,
        operationId: `create_${noun}`,
        summary: `Create ${withArticle(noun)}`,
        description: `The ${noun} gets a new id; the \`Location\` header is its URL. References to other records must exist.`,
        consumes: [jsonMediaType],
        body: resource.input,
        response: { 201: jsonResponse(`The created ${noun}`, single), ...writeErrors },
      },
      handler: async (request, reply) => {
        const record = await records.create(request.body, writeOptions(request, reply));
        reply.code(201).header('Location', `/v1/${path}/${record.id}`);
        return { data: record };
      },
    });

    app.put(`/v1/${path}/:id`, {
      config: change,
      schema: {
        tags,
        operationId: `replace_${noun}`,
        summary: `Replace ${withArticle(noun)}`,
        description: 'The body is the whole record: a left-out nullable field becomes null and a left-out list becomes empty.',
        consumes: [jsonMediaType],
        params,
        body: resource.input,
        response: { 200: jsonResponse(`The ${noun} as stored`, single), ...writeErrors, ...problemResponses(404) },
      },
      handler: async (request, reply) => {
        const { id } = request.params;
        const record = await records.replace(id, request.body, writeOptions(request, reply));
        return { data: record ?? throwNotFound(id) };
      },
    });

    app.patch(`/v1/${path}/:id`, {
      config: change,
      schema: {
        tags,
        operationId: `update_${noun}`,
        summary: `Update part of ${withArticle(noun)}`,
        description: 'JSON merge patch (RFC 7396): the fields given replace the stored ones; `null` clears a nullable field.',
        consumes: patchMediaTypes,
        params,
        body: resource.patch,
        response: { 200: jsonResponse(`The ${noun} as stored`, single), ...writeErrors, ...problemResponses(404) },
      },
      handler: async (request, reply) => {
        const record = await records.patch(request.params.id, request.body, writeOptions(request, reply));
        return { data: record ?? throwNotFound(request.params.id) };
      },
    });

    app.delete(`/v1/${path}/:id`, {
      config: change,
      schema: {
        tags,
        operationId: `delete_${noun}`,
        summary: `Delete ${withArticle(noun)}`,
        description: 'Links to the record go with it; a record others depend on structurally is refused with 409 `in_use`.',
        params,
        response: { 204: z.null().meta({ description: 'Deleted' }), ...problemResponses(400, 404, 409, 413, 415) },
      },
      handler: async (request, reply) => {
        const { id } = request.params;
        if (!(await records.remove(id, writeOptions(request, reply)))) throwNotFound(id);
        return reply.code(204).send(null);
      },
    });
  };
}
