import { readFileSync } from 'node:fs';
import swagger, { type SwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { parse } from 'yaml';
import { documentFromRoutes } from './routes.js';

/** The contract `npm run openapi` builds and the repository commits. */
export const committedContract = new URL('../../../openapi.yaml', import.meta.url);

const docsCss = new URL('../../../public/docs/khabar.css', import.meta.url);

interface OpenApiOptions {
  publicUrl: string;
  /** The committed document (what the server serves), or the routes' schemas (how `npm run openapi` builds it). */
  source: { file: URL } | 'routes';
}

/** @fastify/swagger in static mode: the document as built, parsed once at start, naming PUBLIC_URL as its server. */
function committedDocument(file: URL, publicUrl: string): SwaggerOptions {
  const document = parse(readFileSync(file, 'utf8'));
  // PUBLIC_URL, not the request's host: "try it out" on the docs page calls it.
  document.servers = [{ url: publicUrl, description: 'this server (PUBLIC_URL)' }];
  return { mode: 'static', specification: { document } };
}

/** The OpenAPI 3.1 document at /openapi.json; a docs page at /docs. */
async function openApi(app: FastifyInstance, options: OpenApiOptions) {
  const { publicUrl, source } = options;
  await app.register(swagger, source === 'routes' ? documentFromRoutes(publicUrl) : committedDocument(source.file, publicUrl));
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // No validator badge: the page asks nothing of any other host.
    // showExtensions: each operation's x-required-role is shown with it.
    uiConfig: { deepLinking: true, validatorUrl: null, displayRequestDuration: true, showExtensions: true },
    theme: { title: 'khabar API', css: [{ filename: 'khabar.css', content: readFileSync(docsCss, 'utf8') }] },
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { traits: { cacheable: true } } }, async () => app.swagger());
}

export default fp(openApi, { name: 'openapi' });
