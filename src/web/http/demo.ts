import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyContextConfig, FastifyInstance } from 'fastify';
import { projectFile } from '../../core/project-root.js';

const demoFolder = projectFile('public/demo');
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The demo frontend at /demo: the files of public/demo, read once at start-up and served from memory.
 * Only those files exist; any other name is the usual 404 problem.
 */
export async function demoRoutes(app: FastifyInstance) {
  const files = new Map(
    readdirSync(demoFolder)
      .filter((name) => contentTypes[extname(name)])
      .map((name) => [name, { type: contentTypes[extname(name)]!, content: readFileSync(join(demoFolder, name)) }]),
  );
  const index = files.get('index.html')!;
  const config: FastifyContextConfig = { traits: { rateLimit: 'read', cacheable: true } };
  const options = { schema: { hide: true }, config };
  for (const url of ['/demo', '/demo/']) {
    app.get(url, options, async (_request, reply) => reply.type(index.type).send(index.content));
  }
  for (const [name, file] of files) {
    app.get(`/demo/${name}`, options, async (_request, reply) => reply.type(file.type).send(file.content));
  }
}
