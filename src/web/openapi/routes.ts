import type { SwaggerOptions, SwaggerTransform } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { resources } from '../../core/resources/registry.js';
import { describeFormats } from '../representations/index.js';
import { documentHttpSemantics, traitsKey } from './semantics.js';
import { type Json, plainSchemaNames, pruneUnusedSchemas } from './tidy.js';

const apiDescription = `khabar (خبر, "news item") serves structured news content — articles, people,
organisations and meetings, and the relations between them — as JSON. Reads are public; writes need a bearer token.
A token has a role, preview < editor < admin: each operation that needs one names the least role in \`x-required-role\`
(a lesser role gets 403 \`forbidden\`). A read may carry a token too: it is checked (401 when not valid).
Every error is an RFC 9457 problem document (\`application/problem+json\`) with a stable \`code\`.

Every GET also answers in news standards, by content negotiation (\`Accept\`) or \`?format=\`: schema.org JSON-LD
(\`application/ld+json\`) for every record, and IPTC ninjs 2.2 (\`application/vnd.iptc.ninjs+json\`) for articles.
An \`Accept\` header that allows none of what a route offers gets 406 \`not_acceptable\`, listing what is offered.`;

const tags = [
  ...resources.map(({ name, description }) => ({ name, description })),
  { name: 'search', description: 'Arabic-aware full-text search across all resources' },
  { name: 'changes', description: 'Every committed change, in order: a page after a seq, or a Server-Sent Events stream' },
  { name: 'webhooks', description: 'Change feed events POSTed, signed, to URLs an admin subscribes: the subscriptions and their deliveries' },
  { name: 'meta', description: 'Health and the API contract' },
];

type Parameter = { schema?: Record<string, unknown> } & Record<string, unknown>;
/**
 * zod can only carry a parameter's serialisation (`style: deepObject` for `filter[field][op]`) inside its
 * schema; OpenAPI wants it on the parameter itself.
 */
function liftParameterStyles(document: Json): Json {
  const paths: Record<string, Record<string, { parameters?: Parameter[] }>> = document.paths ?? {};
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

/** Each operation carries its route's declared traits to documentHttpSemantics, which describes and removes them. */
const transform: SwaggerTransform = (input) => {
  const traits = input.route.config?.traits ?? {};
  const schema = { ...describeFormats(input.schema, traits.formats), [traitsKey]: traits };
  return jsonSchemaTransform({ ...input, schema });
};

type TransformObjectInput = Parameters<typeof jsonSchemaTransformObject>[0];

/** The document as zod describes it, with the HTTP semantics every route shares, tidied for linters and readers: only used schemas. */
const transformObject = (input: TransformObjectInput) => plainSchemaNames(pruneUnusedSchemas(documentHttpSemantics(liftParameterStyles(jsonSchemaTransformObject(input)))));

/** @fastify/swagger in dynamic mode: the OpenAPI 3.1 document as the routes' zod schemas describe it (used by `npm run openapi`). */
export function documentFromRoutes(publicUrl: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'khabar', version: '1.0.0', description: apiDescription, license: { name: 'MIT', identifier: 'MIT' } },
      servers: [{ url: publicUrl, description: 'this server (PUBLIC_URL)' }],
      tags,
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from API_TOKENS, with its role: preview (reads revisions), editor (also writes), admin (everything)' } },
      },
    },
    transform,
    transformObject,
  };
}
