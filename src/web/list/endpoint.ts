import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { Db } from '../../core/db/database.js';
import { nextPageLink } from '../../core/list/cursor.js';
import { createEmbedder, type Sources } from '../../core/list/embed.js';
import type { ListPage, ListQuery, Shaping } from '../../core/list/query.js';
import type { ListSpec } from '../../core/list/spec.js';
import type { Visibility } from '../../core/list/visibility.js';
import { dataEnvelope, listEnvelope } from '../../core/resources/shared/schemas.js';
import { shapedEtag } from '../http/etag.js';
import { getParams, listParams } from './params.js';
import { type Catalog, embeddedFields, viewSchema } from './view.js';

interface Lister {
  list(query: ListQuery, visibility: Visibility): ListPage<{ id: string }>;
}

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

    /** Binds the handlers to the data: the resource's repository and every resource an include can embed. */
    handlers(db: Db, repository: Lister, sources: Sources) {
      const embed = createEmbedder(db, spec, sources);
      return {
        /** A page of the list: `request` is the route's, its query parsed by `listQuery`. */
        list(request: { query: ListQuery; url: string; visibility: Visibility }, reply: FastifyReply) {
          const { query, visibility } = request;
          const page = repository.list(query, visibility);
          const shown = embed(page, query, visibility);
          const { data, cut } = shown;
          const nextCursor = cut ? page.cursorAfter(data.length - 1) : page.nextCursor;
          const next = nextCursor === null ? null : nextPageLink(request.url, nextCursor);
          if (next) reply.header('Link', `<${next}>; rel="next"`);
          const etag = shapedEtag(request.url, shown, { total: page.total, nextCursor });
          if (etag !== undefined) reply.header('etag', etag);
          return {
            data,
            meta: { limit: query.limit, next_cursor: nextCursor, total: page.total?.value, total_relation: page.total?.relation },
            links: { self: request.url, next },
          };
        },
        /**
         * One record, narrowed by `fields` and with what `include` embeds: shaped, it is a copy that carries no
         * revision of its own, so it is tagged from the request and the revisions it follows from, as a page is.
         */
        one(record: { id: string }, request: { query: Shaping; url: string; visibility: Visibility }, reply: FastifyReply) {
          const shown = embed(
            {
              ids: [record.id],
              *records() {
                yield record;
              },
            },
            request.query,
            request.visibility,
          );
          const data = shown.data[0]!;
          const etag = data === record ? undefined : shapedEtag(request.url, shown);
          if (etag !== undefined) reply.header('etag', etag);
          return { data };
        },
      };
    },
  };
}
