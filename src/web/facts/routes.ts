import type { FastifyContextConfig } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { KhabarError } from '../../core/errors.js';
import { entityResources } from '../../core/facts/entities.js';
import { mentionList, provenanceList } from '../../core/facts/schemas.js';
import type { Services } from '../../core/services.js';
import { noQuery } from '../http/no-query.js';
import { problemResponses } from '../http/problem.js';
import { anyOfResources, params } from '../resources/shared/routes.js';

const notFound = (noun: string, id: string): never => {
  throw new KhabarError('not_found', `no ${noun} with id or slug ${id}`);
};

const config: FastifyContextConfig = { traits: { rateLimit: 'read', cacheable: true, formats: 'json' } };

/** GET /v1/articles/{id}/mentions, and GET /v1/{resource}/{id}/provenance for the resources articles can mention. */
export const factRoutes =
  (facts: Services['facts']): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/v1/articles/:id/mentions', {
      config,
      schema: {
        tags: ['articles'],
        operationId: 'list_article_mentions',
        summary: "List the mentions in an article's text",
        description:
          'The spans of the title and of the plain-text body (`body_text`) that name a person, an organisation or a meeting, in text order (title first). Offsets are UTF-16 code units: `text === article[part === "title" ? "title" : "body_text"].slice(start, end)`.',
        params,
        querystring: noQuery,
        response: { 200: mentionList, ...problemResponses(400, 404) },
      },
      handler: async (request) => {
        const mentions = await facts.mentions(request.params.id, await request.visibility);
        return { data: mentions ?? notFound('article', request.params.id) };
      },
    });

    const entityNames = entityResources.map(({ name }) => name);
    const { path, params: entityParams } = anyOfResources(entityNames, 'people');
    // Served once for every resource articles can mention, like the revisions: the operation is the same for each.
    app.get(`${path}/provenance`, {
      config,
      schema: {
        tags: entityNames,
        operationId: 'list_provenance',
        summary: "List where a record's values came from",
        description:
          'One record per field value: the quote of the article that states it, or the API token that wrote it and when. A value changed through the API replaces the records of that field.',
        params: entityParams,
        querystring: noQuery,
        response: { 200: provenanceList, ...problemResponses(400, 404) },
      },
      handler: async (request) => {
        const { resource, id: idOrSlug } = request.params;
        // The router matched one of entityNames, so the find always finds it.
        const entity = entityResources.find(({ name }) => name === resource) ?? notFound('record', idOrSlug);
        const provenance = await facts.provenance(entity, idOrSlug, await request.visibility);
        return { data: provenance ?? notFound(entity.type, idOrSlug) };
      },
    });
  };
