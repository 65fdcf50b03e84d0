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
  { name: 'meta', description: 'Health and the API contract' },
];

type Parameter = { schema?: Record<string, unknown> } & Record<string, unknown>;
type Document = ReturnType<typeof jsonSchemaTransformObject>;

/**
 * zod can only carry a parameter's serialisation (`style: deepObject` for `filter[field][op]`) inside its
 * schema; OpenAPI wants it on the parameter itself.
 */
function liftParameterStyles(document: Document): Document {
  const paths = (document as { paths?: Record<string, Record<string, { parameters?: Parameter[] }>> }).paths ?? {};
  for (const operation of Object.values(paths).flatMap((item) => Object.values(item))) {
    for (const parameter of operation.parameters ?? []) {
      for (const key of ['style', 'explode']) {
        if (parameter.schema && key in parameter.schema) {
          parameter[key] = parameter.schema[key];
          delete parameter.schema[key];
        }
      }
    }
  }
  return document;
}

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
    transformObject: (input) => liftParameterStyles(jsonSchemaTransformObject(input)),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

export default fp(openApi, { name: 'openapi' });
