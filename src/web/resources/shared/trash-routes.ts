import type { FastifyContextConfig } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KhabarError } from '../../../core/errors.js';
import { decodeCursor, encodeCursor, nextPageLink } from '../../../core/list/cursor.js';
import { byResource, type ResourceName, resourceNames } from '../../../core/resources/registry.js';
import { isoDateTime, recordId } from '../../../core/resources/shared/fields.js';
import { listLinks, listMeta } from '../../../core/resources/shared/schemas.js';
import type { Services } from '../../../core/services.js';
import type { TrashPosition } from '../../../core/trash/listing.js';
import { trashPurgeBatch } from '../../../core/trash/purge.js';
import { writeOptions } from '../../http/preconditions.js';
import { problemResponses } from '../../http/problem.js';
import { jsonResponse } from '../../http/responses.js';
import { serializeAs } from '../../http/serializer.js';
import { serverTiming } from '../../http/server-timing.js';
import { pageSize } from '../../list/params.js';
import { restoredAnswer, restoreResponses } from './revision-routes.js';
import { anyOfResources } from './routes.js';

const trashedRecord = z
  .object({
    id: recordId,
    slug: z.string().meta({ description: 'the slug it had (free for another record while it is in the trash)' }),
    version: z.number().int().meta({ description: 'the version it had' }),
    trashed_at: z.string().meta({ description: 'when it was deleted (UTC)' }),
    trashed_by: z.string().meta({ description: 'the name of the token that deleted it' }),
  })
  .meta({ id: 'TrashedRecord', description: 'A deleted record: its content is its last revision, at `/v1/{resource}/{id}/revisions`' });

const trashList = z.object({ data: z.array(trashedRecord), meta: listMeta.pick({ limit: true, next_cursor: true }), links: listLinks }).meta({ id: 'TrashList' });

/** The most records one emptying purges: a bigger trash takes repeated requests, so no request runs long. */
const emptyingLimit = 1000;

const emptyQuery = z.strictObject({
  limit: pageSize(emptyingLimit, emptyingLimit, `The most records to purge, 1–${emptyingLimit}`),
});

const emptied = z
  .object({
    data: z.object({
      purged: z.number().int().min(0).meta({ description: 'records purged by this request, those longest in the trash first' }),
      remaining: z.number().int().min(0).meta({ description: 'records still in the trash: repeat the request until it is 0' }),
    }),
  })
  .meta({ id: 'EmptiedTrash', examples: [{ data: { purged: 2, remaining: 0 } }] });

/** A page's end as its cursor carries it: the last record's time and id. */
const position = z.tuple([isoDateTime, recordId]);

const listQuery = z.strictObject({
  limit: pageSize(100, 20),
  cursor: z.string().max(200).optional().meta({ description: '`meta.next_cursor` of the previous page' }),
});

/** The path of one record of any resource; its parameters are `trashParams`, which take an id only. */
const { path: recordPath } = anyOfResources(resourceNames, 'people');

const trashParams = z.strictObject({
  resource: z.enum(resourceNames).meta({ description: 'the kind of record', example: 'people' }),
  id: recordId.meta({ description: 'the record’s id (a slug may be taken again by another record while it is in the trash)' }),
});

function positionOf(cursor: string): TrashPosition {
  const parsed = position.safeParse(decodeCursor(cursor));
  if (!parsed.success) throw new KhabarError('validation_failed', 'cursor is not one this API issued', [{ path: 'querystring.cursor', message: 'malformed cursor' }]);
  return parsed.data;
}

/**
 * The trash of every resource: its listing, at `/v1/{resource}/trash` for each resource (a static path, which the
 * router prefers to `/v1/{resource}/{id}`) with its emptying at the same path, and the restore and the purge of one
 * record, served once for all. Reading the trash reads content no longer public: a preview token may; restoring is
 * an editor's write; a purge or an emptying erases for good, and is an admin's.
 */
export function trashRoutes(trash: Services['trash']): FastifyPluginAsyncZod {
  const tags = [...resourceNames];
  const nouns = byResource((resource) => resource.noun);
  const notInTrash = (resource: ResourceName, id: string): never => {
    throw new KhabarError('not_found', `no ${nouns[resource]} with id ${id} is in the trash`);
  };

  return async (app) => {
    for (const resource of resourceNames) {
      app.get(`/v1/${resource}/trash`, {
        config: { traits: { role: 'preview', rateLimit: 'read', formats: 'json' } } satisfies FastifyContextConfig,
        schema: {
          tags: [resource],
          operationId: `list_trashed_${resource}`,
          summary: `List the ${resource} in the trash`,
          description: `The most recently deleted first, in pages of \`limit\`: follow \`links.next\` until it is null. A record stays ${'`TRASH_RETENTION_DAYS`'} days, then is purged.`,
          querystring: listQuery,
          response: { 200: jsonResponse(`A page of the trashed ${resource}`, trashList), ...problemResponses(400) },
        },
        handler: async (request, reply) => {
          const { limit, cursor } = request.query;
          const page = await trash.page(resource, limit, cursor === undefined ? undefined : positionOf(cursor));
          const nextCursor = page.next === null ? null : encodeCursor(page.next);
          const next = nextCursor === null ? null : nextPageLink(request.url, nextCursor);
          if (next) reply.header('Link', `<${next}>; rel="next"`);
          return { data: page.rows, meta: { limit, next_cursor: nextCursor }, links: { self: request.url, next } };
        },
      });

      app.delete(`/v1/${resource}/trash`, {
        config: { traits: { role: 'admin', rateLimit: 'write' } },
        schema: {
          tags: [resource],
          operationId: `empty_trashed_${resource}`,
          summary: `Empty the trash of ${resource}`,
          description:
            `Purges up to \`limit\` of the ${resource} in the trash, those deleted longest ago first, each as its own purge does (its revisions erased, a \`purged\` event), ` +
            'in batches of short transactions. Repeat until `remaining` is 0.',
          querystring: emptyQuery,
          response: { 200: jsonResponse(`How many ${resource} were purged and how many remain`, emptied), ...problemResponses(400, 413, 415) },
        },
        handler: async (request, reply) => {
          const { limit } = request.query;
          let purged = 0;
          // A transaction per batch, as the retention job's: each write waits for a turn of the event loop (setImmediate), so requests run between batches.
          while (purged < limit) {
            const batch = Math.min(trashPurgeBatch, limit - purged);
            const batchPurged = await trash.purgeOldest(resource, batch, { observe: serverTiming(reply) });
            purged += batchPurged;
            if (batchPurged < batch) break;
          }
          return { data: { purged, remaining: await trash.count(resource) } };
        },
      });
    }

    app.post(`${recordPath}/restore`, {
      config: { traits: { role: 'editor', rateLimit: 'write', idempotent: true } },
      schema: {
        tags,
        operationId: 'restore_from_trash',
        summary: 'Restore a record from the trash',
        description:
          'Puts the record back under its id as its last revision stored it, with the links other records held to it (those whose record still exists): ' +
          'a new revision, and a `restored` event. It comes back at a new `version`, the number of that revision (past every version it had, so no earlier ETag matches it); ' +
          'the mentions and quotes of it are moved onto their articles’ text as it is now. A slug taken since is 409, a reference to a record gone since is 422.',
        params: trashParams,
        response: restoreResponses,
      },
      handler: async (request, reply) => {
        const { resource, id } = request.params;
        const record = (await trash.restore(resource, id, writeOptions(request, reply))) ?? notInTrash(resource, id);
        reply.header('Location', `/v1/${resource}/${record.id}`);
        serializeAs(reply, restoredAnswer(resource));
        return { data: record };
      },
    });

    // Not /v1/{resource}/trash/{id}: that path would be ambiguous with /v1/{resource}/{id}/revisions.
    app.delete(`${recordPath}/trash`, {
      config: { traits: { role: 'admin', rateLimit: 'write' } },
      schema: {
        tags,
        operationId: 'purge_from_trash',
        summary: 'Purge a record from the trash',
        description: 'Erases the record for good, with its revisions, and appends a `purged` event. Records are also purged `TRASH_RETENTION_DAYS` after their delete.',
        params: trashParams,
        response: { 204: z.null().meta({ description: 'Purged' }), ...problemResponses(400, 404, 413, 415) },
      },
      handler: async (request, reply) => {
        const { resource, id } = request.params;
        if (!(await trash.purge(resource, id, { observe: serverTiming(reply) }))) notInTrash(resource, id);
        return reply.code(204).send(null);
      },
    });
  };
}
