import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mention } from '../../../core/facts/schemas.js';
import { article } from '../../../core/resources/articles/schemas.js';
import { parseSourceDocument } from '../../../core/resources/articles/source-document.js';
import { languageTag } from '../../../core/resources/shared/fields.js';
import type { Services } from '../../../core/services.js';
import { writeOptions } from '../../http/preconditions.js';
import { problemResponses } from '../../http/problem.js';
import { jsonResponse } from '../../http/responses.js';
import { decodeUtf8Body } from '../../http/utf8-body.js';

const importQuery = z.strictObject({
  language: languageTag.default('ar').meta({ description: 'BCP 47 language of the report', example: 'ar' }),
});

const importResponse = z.object({ data: article, mentions: z.array(mention) }).meta({ id: 'ArticleImportResponse', description: 'The created article and the mentions entity linking found in it' });

/** POST /v1/articles/import: a report in plain text becomes an article, parsed as the seed parses its source. */
export const articleImportRoutes =
  (importArticle: Services['importArticle']): FastifyPluginAsyncZod =>
  async (app) => {
    // This plugin's routes read plain text only: any other content type gets 415.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (request, bytes, done) => {
      try {
        done(null, decodeUtf8Body(request, bytes as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    });

    app.post('/v1/articles/import', {
      config: { traits: { role: 'editor', rateLimit: 'write', idempotent: true } },
      schema: {
        tags: ['articles'],
        operationId: 'import_article',
        summary: 'Import a plain-text report as an article',
        description:
          'The body is a report in plain text (UTF-8), in the form of the seed document: the first line is the title, short lines without sentence-final punctuation are headings, every other line is a paragraph. The slug comes from the title (with -2, -3… when taken). Entity linking runs on the new article; the response holds the article and its mentions.',
        consumes: ['text/plain'],
        querystring: importQuery,
        body: z
          .string()
          .max(100 * 1024 * 1024)
          .meta({ description: 'the report as plain text (also bounded by BODY_LIMIT)', example: 'عنوان الخبر\nنص الفقرة الأولى.' }),
        response: { 201: jsonResponse('The created article and its mentions', importResponse), ...problemResponses(400, 413, 415) },
      },
      handler: async (request, reply) => {
        const report = parseSourceDocument(request.body);
        const created = await importArticle(report, { ...writeOptions(request, reply), language: request.query.language });
        reply.code(201).header('Location', `/v1/articles/${created.data.id}`);
        return created;
      },
    });
  };
