import type { FastifyContextConfig } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KhabarError } from '../../../core/errors.js';
import { nextPageLink } from '../../../core/list/cursor.js';
import { byResource, type ResourceName, resourceNames } from '../../../core/resources/registry.js';
import { type Resource, recordName } from '../../../core/resources/shared/declaration.js';
import { dataEnvelope, listLinks, listMeta } from '../../../core/resources/shared/schemas.js';
import { changedFields } from '../../../core/revisions/diff.js';
import { revisionActions } from '../../../core/revisions/table.js';
import type { Services } from '../../../core/services.js';
import { writeOptions } from '../../http/preconditions.js';
import { problemResponses } from '../../http/problem.js';
import { jsonResponse } from '../../http/responses.js';
import { serializeAs } from '../../http/serializer.js';
import { pageSize } from '../../list/params.js';
import { anyOfResources } from './routes.js';

/**
 * A revision number as a path or query writes it: decimal digits only, as a seq is (core/changes/schemas.ts).
 * Coercing as JavaScript does would take `0x10`, `1e1`, ` 1` and `+1` for numbers.
 */
const revisionNumber = z
  .string()
  .max(10)
  .regex(/^[1-9][0-9]{0,9}$/, 'a revision number is written in decimal digits, from 1, at most 10')
  .transform(Number)
  .pipe(z.number().max(2_147_483_647));
const revisionSummary = z
  .object({
    n: z.number().int().meta({ description: 'the revision number: 1, 2, … per record, without gaps' }),
    action: z.enum(revisionActions),
    writer: z.string().meta({ description: 'the name of the token that wrote it (`seed` for seeded records)' }),
    at: z.string().meta({ description: 'when it was written (UTC)' }),
  })
  .meta({ id: 'RevisionSummary' });

const revisionList = z.object({ data: z.array(revisionSummary), meta: listMeta.pick({ limit: true, next_cursor: true }), links: listLinks }).meta({ id: 'RevisionList' });

const revisionDiff = z
  .object({
    data: z.object({
      from: z.number().int(),
      to: z.number().int(),
      changes: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })).meta({ description: 'the fields whose values differ, in the record’s order' }),
    }),
  })
  .meta({ id: 'RevisionDiffResponse' });

const listQuery = z.strictObject({
  limit: pageSize(100, 20),
  cursor: revisionNumber.optional().meta({ description: '`meta.next_cursor` of the previous page: the revisions below this number', example: '21' }),
});

const { path: recordPath, params: recordParams } = anyOfResources(resourceNames, 'people');
const revisionParams = recordParams.extend({ n: revisionNumber.meta({ description: 'revision number, from 1, in decimal digits', example: '1' }) });

/** What a revision and a restore answer, per resource: the contract names their union, each reply is serialized by its own. */
const answersOf = (resource: Resource) => ({
  revision: z.object({ data: revisionSummary.extend({ record: resource.record }) }).meta({ id: `${recordName(resource)}RevisionResponse` }),
  restored: dataEnvelope(recordName(resource), resource.record),
});
const answers = byResource(answersOf);
/** What a restore answers: the record as stored, in its resource's envelope (each reply serialized by its own); the contract names their union. */
export const restoredAnswer = (name: ResourceName) => answers[name].restored;
/** What a restore may answer, as the contract states it: the record as stored, or why it could not be written. */
export const restoreResponses = {
  200: jsonResponse('The record as stored', z.union(resourceNames.map(restoredAnswer))),
  ...problemResponses(400, 404, 409, 413, 415, 422),
};
const declarations = byResource((resource) => resource);

/**
 * Every record's revisions, served once for all resources at `/v1/{resource}/{id}/revisions…` (the URLs of
 * each resource's records): they may hold content since removed, so reading them takes a token (any role: a preview token reads them); restoring one is a write.
 */
export function revisionRoutes(revisions: Services['revisions']): FastifyPluginAsyncZod {
  // Listed under each resource's tag, where its other operations are.
  const tags = [...resourceNames];
  const read: FastifyContextConfig = { traits: { role: 'preview', rateLimit: 'read', formats: 'json' } };
  const noRevision = (resource: ResourceName, idOrSlug: string, n: number) => throwNotFound(`no revision ${n} of ${declarations[resource].noun} ${idOrSlug}`);
  const revisionOf = async (resource: ResourceName, idOrSlug: string, n: number) => (await revisions.find(resource, idOrSlug, n)) ?? noRevision(resource, idOrSlug, n);
  const path = `${recordPath}/revisions`;

  return async (app) => {
    app.get(path, {
      config: read,
      schema: {
        tags,
        operationId: 'list_revisions',
        summary: 'List the revisions of a record',
        description: 'Newest first, in pages of `limit`: follow `links.next` until it is null. A deleted record’s revisions are found by its id.',
        params: recordParams,
        querystring: listQuery,
        response: { 200: jsonResponse("A page of the record's revisions", revisionList), ...problemResponses(400, 404) },
      },
      handler: async (request, reply) => {
        const { resource, id } = request.params;
        const { limit, cursor } = request.query;
        const page = await revisions.page(resource, id, limit, cursor);
        if (page.rows.length === 0 && cursor === undefined) throwNotFound(`no ${declarations[resource].noun} with id or slug ${id} has revisions`);
        const next = page.next === null ? null : nextPageLink(request.url, String(page.next));
        if (next) reply.header('Link', `<${next}>; rel="next"`);
        return { data: page.rows, meta: { limit, next_cursor: page.next === null ? null : String(page.next) }, links: { self: request.url, next } };
      },
    });

    app.get(`${path}/:n`, {
      config: read,
      schema: {
        tags,
        operationId: 'get_revision',
        summary: 'Get a revision of a record',
        description: 'The record as it was stored by this revision (as it was before a delete).',
        params: revisionParams,
        response: { 200: jsonResponse('The revision', z.union(resourceNames.map((name) => answers[name].revision))), ...problemResponses(400, 404) },
      },
      handler: async (request, reply) => {
        const { resource, id, n } = request.params;
        const data = await revisionOf(resource, id, n);
        serializeAs(reply, answers[resource].revision);
        return { data };
      },
    });

    app.get(`${path}/:n/diff`, {
      config: read,
      schema: {
        tags,
        operationId: 'diff_revisions',
        summary: 'Compare two revisions of a record',
        description: 'The top-level fields that differ between revision `n` and revision `to`, with their values in each.',
        params: revisionParams,
        querystring: z.strictObject({ to: revisionNumber.meta({ description: 'the revision to compare with, in decimal digits', example: '2' }) }),
        response: { 200: jsonResponse('The changed fields', revisionDiff), ...problemResponses(400, 404) },
      },
      handler: async (request) => {
        const { resource, id, n } = request.params;
        const { to } = request.query;
        const changes = changedFields((await revisionOf(resource, id, n)).record, (await revisionOf(resource, id, to)).record);
        return { data: { from: n, to, changes } };
      },
    });

    app.post(`${path}/:n/restore`, {
      config: { traits: { role: 'editor', rateLimit: 'write', idempotent: true, conditionalWrite: true } },
      schema: {
        tags,
        operationId: 'restore_revision',
        summary: 'Restore a revision of a record',
        description:
          "Writes revision `n`'s content as a new revision, validated as a PUT (or, for a deleted record, a create under its old id, at the new revision's number as its `version`) is: " +
          'a reference to a record that no longer exists is 422, a slug taken since is 409. A deleted record has no ETag: `If-Match` can only fail (412).',
        params: revisionParams,
        response: restoreResponses,
      },
      handler: async (request, reply) => {
        const { resource, id, n } = request.params;
        const record = (await revisions.restore(resource, id, n, writeOptions(request, reply))) ?? noRevision(resource, id, n);
        reply.header('Location', `/v1/${resource}/${record.id}`);
        serializeAs(reply, answers[resource].restored);
        return { data: record };
      },
    });
  };
}

function throwNotFound(message: string): never {
  throw new KhabarError('not_found', message);
}
