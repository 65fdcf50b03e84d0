import { readFileSync } from 'node:fs';
import swagger, { type StaticDocumentSpec, type SwaggerOptions } from '@fastify/swagger';
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

/**
 * @fastify/swagger in static mode, naming PUBLIC_URL as its server, on a document parsed from the committed file
 * on first use (`fill`): parsing its 200 KB of YAML at start was about a quarter of the CPU time from start to
 * the first 200 (docs/performance.md). The file is read at start, so a server without it does not start.
 */
function committedDocument(file: URL, publicUrl: string) {
  const text = readFileSync(file, 'utf8');
  // The object @fastify/swagger serves: it keeps this reference, so it is filled in place, before it is served.
  const document: StaticDocumentSpec['document'] = { openapi: '3.1.0', info: { title: 'khabar', version: '' }, paths: {} };
  let filled = false;
  const fill = () => {
    if (filled) return;
    filled = true;
    // PUBLIC_URL, not the request's host: "try it out" on the docs page calls it.
    Object.assign(document, parse(text), { servers: [{ url: publicUrl, description: 'this server (PUBLIC_URL)' }] });
  };
  const options: SwaggerOptions = { mode: 'static', specification: { document } };
  return { options, fill };
}

/** The OpenAPI 3.1 document at /openapi.json; a docs page at /docs. */
async function openApi(app: FastifyInstance, options: OpenApiOptions) {
  const { publicUrl, source } = options;
  const { options: swaggerOptions, fill } = source === 'routes' ? { options: documentFromRoutes(publicUrl), fill: () => {} } : committedDocument(source.file, publicUrl);
  await app.register(swagger, swaggerOptions);
  // The docs page's routes in a context of their own, whose hook fills the document before any of them reads it.
  await app.register(async (docs) => {
    docs.addHook('onRequest', async () => fill());
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      // No validator badge: the page asks nothing of any other host.
      // showExtensions: each operation's x-required-role is shown with it.
      uiConfig: { deepLinking: true, validatorUrl: null, displayRequestDuration: true, showExtensions: true },
      theme: { title: 'khabar API', css: [{ filename: 'khabar.css', content: readFileSync(docsCss, 'utf8') }] },
    });
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { traits: { cacheable: true } } }, async () => {
    fill();
    return app.swagger();
  });
}

export default fp(openApi, { name: 'openapi' });
