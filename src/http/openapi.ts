import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export const apiDescription = `khabar (خبر, "news item") serves structured news content — articles, people,
organisations and meetings, and the relations between them — as JSON. Reads are public; writes need a bearer token.
Every error is an RFC 9457 problem document (\`application/problem+json\`) with a stable \`code\`.`;

const tags = [
  { name: 'articles', description: 'News reports: title, body blocks, and what they are about' },
  { name: 'people', description: 'People named in the news, with their affiliations' },
  { name: 'organisations', description: 'Ministries, agencies, governments and committees' },
  { name: 'meetings', description: 'Meetings with their host, participants, topics and outcomes' },
  { name: 'search', description: 'Arabic-aware full-text search across all resources' },
  { name: 'meta', description: 'Health and the API contract' },
];

/** The OpenAPI 3.1 document, built from the routes' zod schemas, at /openapi.json; a docs page at /docs. */
async function openApi(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'khabar', version: '1.0.0', description: apiDescription, license: { name: 'MIT', identifier: 'MIT' } },
      servers: [{ url: 'http://127.0.0.1:3000', description: 'local' }],
      tags,
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from API_TOKENS' } },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

export default fp(openApi, { name: 'openapi' });
