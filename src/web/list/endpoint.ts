import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { KhabarError } from '../../core/errors.js';
import { nextPageLink } from '../../core/list/cursor.js';
import type { ListQuery, Shaping } from '../../core/list/query.js';
import type { ListSpec } from '../../core/list/spec.js';
import type { Visibility } from '../../core/list/visibility.js';
import type { RecordService } from '../../core/resources/shared/record-service.js';
import { dataEnvelope, listEnvelope } from '../../core/resources/shared/schemas.js';
import { shapedEtag } from '../http/etag.js';
import { footprintable, notePageFootprint } from '../http/page-footprint.js';
import { getParams, listParams } from './params.js';
import { type Catalog, embeddedFields, viewSchema } from './view.js';

/**
 * The schemas and handlers of a resource's list and GET-one, made from its ListSpec: the query parameters
 * (validated by zod, documented in OpenAPI), the response representation, and the request → page → body path.
 */
export function listEndpoint(name: string, record: z.ZodObject, spec: ListSpec, catalog: Catalog) {
  const targets = [...new Set(Object.values(spec.include).map((include) => include.target))];
  const options = {
    spec,
    fields: Object.keys(record.shape),
    targetFields: Object.fromEntries(targets.map((target) => [target, embeddedFields(catalog[target]!)])),
  };
  const view = viewSchema(name, record, spec, catalog);

  return {
    listQuery: listParams(options),
    getQuery: getParams(options),
    listResponse: listEnvelope(name, view),
    getResponse: dataEnvelope(`${name}View`, view),

    /** Binds the handlers to the resource's reads; `noun` names it in a 404, `resource` in the change feed. */
    handlers(records: Pick<RecordService, 'list' | 'read'>, noun: string, resource: string) {
      return {
        /** A page of the list: `request` is the route's, its query parsed by `listQuery`. */
        async list(request: { query: ListQuery; url: string; visibility: Promise<Visibility> }, reply: FastifyReply) {
          const { query } = request;
          const { shown, nextCursor, nextFollowsShown, total, ids, totalMargin } = await records.list(query, await request.visibility);
          const lowest = ids.at(-1);
          // Only a page of `limit` records, each shown, followed by a next page that starts after its last, has a
          // footprint: a page with no next may take any record that joins the list, one cut short by its byte budget
          // the next record once it is shorter, and one whose walk stopped short a record between. Without a total,
          // its next link is all that holds, and only while a record follows it: no margin.
          if (nextFollowsShown && lowest !== undefined && ids.length === query.limit && shown.data.length === ids.length && footprintable(query))
            notePageFootprint(reply, { resource, ids: new Set(ids), lowest, margin: totalMargin ?? 0 });
          const next = nextCursor === null ? null : nextPageLink(request.url, nextCursor);
          if (next) reply.header('Link', `<${next}>; rel="next"`);
          const etag = shapedEtag(request.url, shown, { total, nextCursor });
          if (etag !== undefined) reply.header('etag', etag);
          return {
            data: shown.data,
            meta: { limit: query.limit, next_cursor: nextCursor, total: total?.value, total_relation: total?.relation },
            links: { self: request.url, next },
          };
        },
        /**
         * One record, narrowed by `fields` and with what `include` embeds: shaped, it is a copy that carries no
         * revision of its own, so it is tagged from the request and the revisions it follows from, as a page is.
         */
        async one(request: { params: { id: string }; query: Shaping; url: string; visibility: Promise<Visibility> }, reply: FastifyReply) {
          const { id } = request.params;
          const found = await records.read(id, request.query, await request.visibility);
          if (found === null) throw new KhabarError('not_found', `no ${noun} with id or slug ${id}`);
          const { record, shown } = found;
          const data = shown.data[0]!;
          const etag = data === record ? undefined : shapedEtag(request.url, shown);
          if (etag !== undefined) reply.header('etag', etag);
          return { data };
        },
      };
    },
  };
}
