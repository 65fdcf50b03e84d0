import type { FastifyContextConfig } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { KhabarError } from '../../core/errors.js';
import { entityResources } from '../../core/facts/entities.js';
import { mentionList, provenanceList } from '../../core/facts/schemas.js';
import type { Repositories } from '../../core/resources/index.js';
import { withArticle } from '../../core/text/english.js';
import { noQuery } from '../http/no-query.js';
import { problemResponses } from '../http/problem.js';
import { params } from '../resources/shared/routes.js';

const notFound = (noun: string, id: string): never => {
  throw new KhabarError('not_found', `no ${noun} with id or slug ${id}`);
};

const config: FastifyContextConfig = { traits: { rateLimit: 'read', cacheable: true, formats: 'json' } };

/** GET /v1/articles/{id}/mentions, and GET /v1/{name}/{id}/provenance for each resource articles can mention. */
export const factRoutes =
  (repositories: Repositories): FastifyPluginAsyncZod =>
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
        const articleId = repositories.articles.idOf(request.params.id, request.visibility) ?? notFound('article', request.params.id);
        return { data: repositories.mentions.list(articleId) };
      },
    });

    for (const { name: path, type } of entityResources) {
      const repository = repositories[path];
      app.get(`/v1/${path}/:id/provenance`, {
        config,
        schema: {
          tags: [path],
          operationId: `list_${type}_provenance`,
          summary: `List where ${withArticle(type)}'s values came from`,
          description:
            'One record per field value: the quote of the article that states it, or the API token that wrote it and when. A value changed through the API replaces the records of that field.',
          params,
          querystring: noQuery,
          response: { 200: provenanceList, ...problemResponses(400, 404) },
        },
        handler: async (request) => {
          const id = repository.idOf(request.params.id, request.visibility) ?? notFound(type, request.params.id);
          return { data: repositories.provenance.list({ type, id }, request.visibility) };
        },
      });
    }
  };
