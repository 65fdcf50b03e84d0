import type { FastifyContextConfig } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KhabarError } from '../../../core/errors.js';
import { nextPageLink } from '../../../core/list/cursor.js';
import type { ResourceName } from '../../../core/resources/registry.js';
import { type Resource, recordName } from '../../../core/resources/shared/declaration.js';
import type { Repository } from '../../../core/resources/shared/repository.js';
import { listLinks, listMeta } from '../../../core/resources/shared/schemas.js';
import { changedFields } from '../../../core/revisions/diff.js';
import type { RevisionStore } from '../../../core/revisions/store.js';
import { revisionActions } from '../../../core/revisions/table.js';
import { withArticle } from '../../../core/text/english.js';
import { writeCondition } from '../../http/preconditions.js';
import { problemResponses } from '../../http/problem.js';
import { jsonResponse } from '../../http/responses.js';
import { serverTiming } from '../../http/server-timing.js';
import { params } from './routes.js';
import { writeBodyOf } from './write-body.js';

const revisionNumber = z.coerce.number().int().min(1).max(2_147_483_647);
const revisionParams = params.extend({ n: revisionNumber.meta({ description: 'revision number, from 1', example: 1 }) });

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
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Page size, 1–100', example: 20 }),
  cursor: revisionNumber.optional().meta({ description: '`meta.next_cursor` of the previous page: the revisions below this number', example: 21 }),
});

/**
 * A record's revisions, for every resource: they may hold content since removed, so reading them takes a
 * token (any role: a preview token reads them); restoring one is a write.
 */
export function revisionRoutes(resource: Resource<ResourceName>, repository: Repository<{ id: string; version: number }, unknown>, revisions: RevisionStore): FastifyPluginAsyncZod {
  const { name: path, noun } = resource;
  const name = recordName(resource);
  const revision = z.object({ data: revisionSummary.extend({ record: resource.record }) }).meta({ id: `${name}RevisionResponse` });
  const tags = [path];
  const read: FastifyContextConfig = { traits: { role: 'preview', rateLimit: 'read', formats: 'json' } };
  // A deleted record has no slug any more: its id still finds its revisions.
  const recordId = (idOrSlug: string) => repository.idOf(idOrSlug) ?? idOrSlug;
  const revisionOf = (idOrSlug: string, n: number) => revisions.find(path, recordId(idOrSlug), n) ?? throwNotFound(`no revision ${n} of ${noun} ${idOrSlug}`);

  return async (app) => {
    app.get(`/v1/${path}/:id/revisions`, {
      config: read,
      schema: {
        tags,
        operationId: `list_${noun}_revisions`,
        summary: `List the revisions of ${withArticle(noun)}`,
        description: 'Newest first, in pages of `limit`: follow `links.next` until it is null. A deleted record’s revisions are found by its id.',
        params,
        querystring: listQuery,
        response: { 200: jsonResponse(`A page of the ${noun}'s revisions`, revisionList), ...problemResponses(400, 404) },
      },
      handler: (request, reply) => {
        const { limit, cursor } = request.query;
        const page = revisions.page(path, recordId(request.params.id), limit, cursor);
        if (page.rows.length === 0 && cursor === undefined) throwNotFound(`no ${noun} with id or slug ${request.params.id} has revisions`);
        const next = page.next === null ? null : nextPageLink(request.url, String(page.next));
        if (next) reply.header('Link', `<${next}>; rel="next"`);
        return { data: page.rows, meta: { limit, next_cursor: page.next === null ? null : String(page.next) }, links: { self: request.url, next } };
      },
    });

    app.get(`/v1/${path}/:id/revisions/:n`, {
      config: read,
      schema: {
        tags,
        operationId: `get_${noun}_revision`,
        summary: `Get a revision of the ${noun}`,
        description: `The ${noun} as it was stored by this revision (as it was before a delete).`,
        params: revisionParams,
        response: { 200: jsonResponse(`The revision`, revision), ...problemResponses(400, 404) },
      },
      handler: (request) => ({ data: revisionOf(request.params.id, request.params.n) }),
    });

    app.get(`/v1/${path}/:id/revisions/:n/diff`, {
      config: read,
      schema: {
        tags,
        operationId: `diff_${noun}_revisions`,
        summary: `Compare two revisions of the ${noun}`,
        description: 'The top-level fields that differ between revision `n` and revision `to`, with their values in each.',
        params: revisionParams,
        querystring: z.strictObject({ to: revisionNumber.meta({ description: 'the revision to compare with', example: 2 }) }),
        response: { 200: jsonResponse('The changed fields', revisionDiff), ...problemResponses(400, 404) },
      },
      handler: (request) => {
        const { id, n } = request.params;
        const { to } = request.query;
        const changes = changedFields(revisionOf(id, n).record, revisionOf(id, to).record);
        return { data: { from: n, to, changes } };
      },
    });

    app.post(`/v1/${path}/:id/revisions/:n/restore`, {
      config: { traits: { role: 'editor', rateLimit: 'write', idempotent: true, conditionalWrite: true } },
      schema: {
        tags,
        operationId: `restore_${noun}_revision`,
        summary: `Restore a revision of the ${noun}`,
        description:
          `Writes revision \`n\`'s content as a new revision, validated as a PUT (or, for a deleted ${noun}, a create under its old id) is: ` +
          'a reference to a record that no longer exists is 422, a slug taken since is 409. A deleted record has no ETag: `If-Match` can only fail (412).',
        params: revisionParams,
        response: { 200: jsonResponse(`The ${noun} as stored`, z.object({ data: resource.record })), ...problemResponses(400, 404, 409, 413, 415, 422) },
      },
      handler: async (request, reply) => {
        const { id, n } = request.params;
        const record = await app.database.writes.run(() => {
          const { record: content } = revisionOf(id, n);
          const body = writeBodyOf(resource, content, `revision ${n}`);
          const context = { writer: request.principal!.name, restoring: n };
          const current = repository.find(recordId(id));
          if (current)
            return repository.replace(
              current.id,
              body,
              context,
              writeCondition(request, reply, () => current),
            )!;
          if (request.headers['if-match'] !== undefined) throw new KhabarError('precondition_failed', `this ${noun} is deleted: no ETag matches it`);
          return repository.create(body, context, recordId(id));
        }, serverTiming(reply));
        reply.header('Location', `/v1/${path}/${record.id}`);
        return { data: record };
      },
    });
  };
}

function throwNotFound(message: string): never {
  throw new KhabarError('not_found', message);
}
