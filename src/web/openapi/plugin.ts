import { readFileSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { StaticDocumentSpec } from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
import { KhabarError } from '../../core/errors.js';
import { projectFile } from '../../core/project-root.js';
import { entityTag, heldTag, noneMatch } from '../http/etag.js';
import { ownBytes } from '../http/own-bytes.js';
import { routedPath } from '../http/routed-path.js';
import { documentFromRoutes } from './routes.js';

/** The contract `npm run openapi` builds and the repository commits. */
export const committedContract = projectFile('openapi.yaml');

const docsCss = { filename: 'khabar.css', file: projectFile('public/docs/khabar.css') };

type OpenApiDocument = StaticDocumentSpec['document'];

interface OpenApiOptions {
  publicUrl: string;
  /** The committed document (what the server serves), or the routes' schemas (how `npm run openapi` builds it). */
  source: { file: string } | 'routes';
  /** Milliseconds since the epoch, for when a failed build of the docs app may be tried again; `Date.now` when left out. */
  clock?: () => number;
}

/** `make`'s promise, made by the first call and shared by every call after. */
function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

/**
 * The committed document, parsed on first use: parsing its 200 KB of YAML at start was about a quarter of the
 * CPU time from start to the first 200 (docs/performance.md). The file is read at start, so a server without
 * it does not start; the YAML parser is loaded with the first parse.
 */
function committedDocument(file: string, publicUrl: string): () => Promise<OpenApiDocument> {
  const text = readFileSync(file, 'utf8');
  // PUBLIC_URL, not the request's host: "try it out" on the docs page calls it.
  return onFirstUse(async () => ({ ...(await import('yaml')).parse(text), servers: [{ url: publicUrl, description: 'this server (PUBLIC_URL)' }] }));
}

// What the docs app's answer says about its own connection, which the outer reply sets for itself.
const hopHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date']);

/**
 * @fastify/swagger-ui (with @fastify/static and a YAML writer) in an app of its own, built by the first request
 * for the docs page: loading and registering them at start was about 0.13 s of CPU of every cold start
 * (docs/performance.md), for a page few requests ask for.
 */
async function buildDocsApp(document: OpenApiDocument): Promise<FastifyInstance> {
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')]);
  const docs = Fastify();
  await docs.register(swagger, { mode: 'static', specification: { document } });
  await docs.register(swaggerUi, {
    routePrefix: '/docs',
    // No validator badge: the page asks nothing of any other host.
    // showExtensions: each operation's x-required-role is shown with it.
    uiConfig: { deepLinking: true, validatorUrl: null, displayRequestDuration: true, showExtensions: true },
    theme: { title: 'khabar API', css: [{ filename: docsCss.filename, content: readFileSync(docsCss.file, 'utf8') }] },
  });
  await docs.ready();
  return docs;
}

/**
 * The docs app's routes (those @fastify/swagger-ui declares under /docs, but /docs/json, which is the contract's
 * own route), each declared here as well so that another method on one is a 405 with Allow, as when they were this
 * app's own; its files under static/ by a wildcard, as @fastify/static declares them, which the methods plugin leaves alone.
 */
const docsPaths = ['/docs', '/docs/', '/docs/yaml', '/docs/static/index.html', '/docs/static/swagger-initializer.js', `/docs/static/theme/${docsCss.filename}`, '/docs/static/*'];

/** What the docs app answers a plain GET of one of its paths, kept: its files and pages do not change while the process runs. */
interface KeptAnswer {
  statusCode: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/**
 * Bytes of kept answers: swagger-ui's folder is 2.5 MB, the page, its initializer, theme and YAML 0.3 MB. Kept by
 * the path as routed (web/http/routed-path.ts), so each file is kept once however its path is spelt.
 */
const keptAnswersBytes = 4 * 1024 * 1024;
/** An answer's headers and bookkeeping, counted beside its body and key. */
const keptAnswerOverhead = 1024;

/** Request headers the kept answer does not decide: a range or a precondition other than a 304's goes to the docs app. */
const askedOfDocsApp = ['range', 'if-range', 'if-match', 'if-unmodified-since'];

/**
 * Whether the client's copy is the kept one, as @fastify/static (send's `fresh`) decides it: If-None-Match names
 * its tag and If-Modified-Since is not before it, whichever of the two was sent; `Cache-Control: no-cache` asks anew.
 */
function unchanged(request: FastifyRequest, kept: KeptAnswer): boolean {
  const { 'if-none-match': tags, 'if-modified-since': since, 'cache-control': control } = request.headers;
  if ((tags === undefined && since === undefined) || /no-cache/i.test(control ?? '')) return false;
  const { etag, 'last-modified': modified } = kept.headers;
  if (tags !== undefined && (typeof etag !== 'string' || !noneMatch(tags, etag))) return false;
  return since === undefined || (typeof modified === 'string' && Date.parse(modified) <= Date.parse(since));
}

/** A file stream's default read size. */
const fileChunkBytes = 64 * 1024;

/** A kept body in the pieces a file stream reads it in: brotli's output depends on them, and stays the bytes it was. */
function* fileChunks(body: Buffer) {
  for (let start = 0; start < body.length; start += fileChunkBytes) yield body.subarray(start, start + fileChunkBytes);
}

/** The headers of an answer, without those about its own connection, which the outer reply sets for itself. */
const endToEnd = (headers: OutgoingHttpHeaders): OutgoingHttpHeaders => Object.fromEntries(Object.entries(headers).filter(([name]) => !hopHeaders.has(name)));

/**
 * After a failed build of the docs app (a module or file it loads not read, say), how long requests get that failure
 * before one builds it again: long enough that a build failing for good costs one attempt per wait, not one a request.
 */
export const docsAppRetryMs = 5_000;

/**
 * The docs page's routes. The docs app answers each path's first GET, and its answer is kept and sent from memory
 * after (passing each request through the docs app cost ~30 ms of CPU for the 1.6 MB script); a range or an
 * If-Match still goes to the docs app. Either goes out through this app's hooks, so it gets the security headers,
 * compression and read limit of every page. @fastify/static's own errors, bare JSON, become this app's problems: a
 * file it lacks or refuses to serve (a dot file, a NUL) is the 404 of any unknown path; a failed If-Match or
 * If-Unmodified-Since a 412; a range past the end is ignored, as RFC 9110 allows, and the whole file sent.
 */
function docsRoutes(app: FastifyInstance, document: () => Promise<OpenApiDocument>, clock: () => number) {
  /** The build under way or done; `failedAt` once it has failed. */
  let docs: { app: Promise<FastifyInstance>; failedAt?: number } | undefined;
  // A redirect has no body: its key and headers are counted with the bytes, so that no entry counts as nothing.
  const keptAnswers = new LRUCache<string, KeptAnswer>({ maxSize: keptAnswersBytes, sizeCalculation: (kept, path) => kept.body.length + path.length * 2 + keptAnswerOverhead });
  const docsApp = () => {
    if (docs === undefined || (docs.failedAt !== undefined && clock() - docs.failedAt >= docsAppRetryMs)) {
      const build: NonNullable<typeof docs> = { app: document().then(buildDocsApp) };
      build.app.catch(() => {
        build.failedAt = clock();
      });
      docs = build;
    }
    return docs.app;
  };

  const keptAnswer = async (path: string): Promise<KeptAnswer | undefined> => {
    const known = keptAnswers.get(path);
    if (known !== undefined) return known;
    const answer = await (await docsApp()).inject({ method: 'GET', url: path });
    // A file it lacks or refuses is not kept: the paths asked for are the client's, those it serves a fixed few.
    if (answer.statusCode >= 400) return undefined;
    const headers = endToEnd(answer.headers);
    // The page, its initializer, the theme and the YAML are made by swagger-ui, not files, and come untagged: tagged
    // by their bytes, they get 304s and compression keeps their coded bytes, as it does a file's.
    if (answer.statusCode === 200 && headers.etag === undefined) headers.etag = entityTag(answer.rawPayload);
    const kept = { statusCode: answer.statusCode, headers, body: ownBytes(answer.rawPayload) };
    keptAnswers.set(path, kept);
    return kept;
  };

  const passThrough = async (request: FastifyRequest, reply: FastifyReply) => {
    const loaded = await docsApp();
    const ask = (headers: FastifyRequest['headers']) => loaded.inject({ method: request.method, url: request.url, headers, payloadAsStream: true });
    let answer = await ask(request.headers);
    if (answer.statusCode === 416) {
      const { range: _ignored, ...rest } = request.headers;
      answer = await ask(rest);
    }
    if (answer.statusCode === 403 || answer.statusCode === 404) return reply.callNotFound();
    if (answer.statusCode === 412) throw new KhabarError('precondition_failed', 'the file does not match If-Match or If-Unmodified-Since');
    return reply.code(answer.statusCode).headers(endToEnd(answer.headers)).send(answer.stream());
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // By the path as routed: each spelling of a file's path (`st%61tic`) would otherwise be a docs app pass and an
    // entry of its own; a dot segment, which the docs app would resolve, is refused on both branches.
    const path = routedPath(request);
    if (path === undefined) return reply.callNotFound();
    if (askedOfDocsApp.some((name) => request.headers[name] !== undefined)) return passThrough(request, reply);
    const kept = await keptAnswer(path);
    if (kept === undefined) return reply.callNotFound();
    if (unchanged(request, kept)) {
      // As send answers a 304: the validators and caching headers, none about the content; the tag in the coding the client holds.
      const validators = Object.fromEntries(Object.entries(kept.headers).filter(([name]) => !name.startsWith('content-')));
      const { 'if-none-match': tags } = request.headers;
      if (tags !== undefined && typeof validators.etag === 'string') validators.etag = heldTag(tags, validators.etag);
      return reply.code(304).headers(validators).send();
    }
    // A stream, as the docs app sends it: compression keeps its coded bytes under its tag (every kept 200 has one).
    reply.code(kept.statusCode).headers(kept.headers);
    return reply.send(Readable.from(fileChunks(kept.body)));
  };
  // Counted like any read: a kept answer costs little, but a path not asked before goes to the docs app.
  for (const url of docsPaths) app.get(url, { schema: { hide: true }, config: { traits: { rateLimit: 'read' } } }, handler);
  // A failed build has nothing listening to close.
  app.addHook('onClose', async () => (await docs?.app.catch(() => undefined))?.close());
}

/**
 * The contract as it is sent, serialised and tagged by its first request: it does not change while the process
 * runs, and serialising its 200 KB for each request held the event loop ~5 ms a time, on a route without a rate limit.
 */
function renderedContract(document: () => Promise<unknown>): () => Promise<{ body: Buffer; etag: string }> {
  return onFirstUse(async () => {
    const body = Buffer.from(JSON.stringify(await document()));
    return { body, etag: entityTag(body) };
  });
}

/** The OpenAPI 3.1 document at /openapi.json; a docs page at /docs. */
async function openApi(app: FastifyInstance, options: OpenApiOptions) {
  const { publicUrl, source, clock = Date.now } = options;
  const committed = source === 'routes' ? undefined : committedDocument(source.file, publicUrl);
  if (committed === undefined) {
    // Dynamic mode reads each route as it is registered, so it comes before them; describing them needs no docs page.
    const { default: swagger } = await import('@fastify/swagger');
    await app.register(swagger, documentFromRoutes(publicUrl));
  }
  const contract = renderedContract(committed ?? (async () => app.swagger()));
  const route = { schema: { hide: true }, config: { traits: { cacheable: true } } };
  const sendContract = async (_request: FastifyRequest, reply: FastifyReply) => {
    const { body, etag } = await contract();
    return reply.type('application/json; charset=utf-8').header('etag', etag).send(body);
  };
  app.get('/openapi.json', route, sendContract);
  if (committed !== undefined) {
    // The docs page reads the same bytes.
    app.get('/docs/json', route, sendContract);
    docsRoutes(app, committed, clock);
  }
}

export default fp(openApi, { name: 'openapi' });
