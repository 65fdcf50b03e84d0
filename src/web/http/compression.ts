import { pipeline, type Readable, Transform } from 'node:stream';
import { brotliCompress, brotliCompressSync, constants, createBrotliCompress, createGzip, gzip, gzipSync, type InputType } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
import { codedTag } from './etag.js';
import { ownBytes } from './own-bytes.js';
import { routedPath } from './routed-path.js';

type Coding = 'br' | 'gzip';

/** Smaller bodies are not worth the CPU. */
const threshold = 1024;
/** Bodies up to this size are compressed on the event loop; larger ones on libuv's threadpool, so the loop keeps serving. */
const syncLimit = 8 * 1024;
/** Brotli at quality 4: zlib's default of 11 costs many times the CPU for a few percent. */
const brotliOptions = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };

const compressSync: Record<Coding, (body: InputType) => Buffer> = {
  br: (body) => brotliCompressSync(body, brotliOptions),
  gzip: (body) => gzipSync(body),
};
const compressAsync: Record<Coding, (body: InputType, done: (error: Error | null, result: Buffer) => void) => void> = {
  br: (body, done) => brotliCompress(body, brotliOptions, done),
  gzip: (body, done) => gzip(body, done),
};
const compressStream: Record<Coding, () => NodeJS.ReadWriteStream> = { br: () => createBrotliCompress(brotliOptions), gzip: () => createGzip() };

/**
 * The compressed forms of a body sent again as the same Buffer (the response cache sends its entry's, on the miss
 * that keeps it and on every hit), by coding, kept as long as that Buffer lives. Only a form of at most a quarter
 * of the body is kept (a page compresses to an eighth; a short record often by less than four), so beside the
 * response cache's entries the two codings add at most half of their bytes.
 */
const codedForms = new WeakMap<Buffer, Partial<Record<Coding, Buffer>>>();
const keptFormRatio = 4;

/** Remembers `coded` as `body`'s form in `coding` when `body` is a Buffer and `coded` small enough; returns the form to send. */
function remembered(body: string | Buffer, coding: Coding, coded: Buffer): Buffer {
  if (!Buffer.isBuffer(body) || coded.length * keptFormRatio > body.length) return coded;
  const form = ownBytes(coded);
  codedForms.set(body, { ...codedForms.get(body), [coding]: form });
  return form;
}

/** Bytes of compressed files kept: the docs page's files compress to well under 1 MB a coding. */
const compressedFilesBytes = 4 * 1024 * 1024;

/** The types khabar sends that compress well: JSON (problem, JSON-LD, ninjs), text, scripts, SVG and YAML; not images. */
const compressible = /^text\/(?!event-stream)|[+/](?:json|xml|javascript|(?:x-)?yaml)(?:;|$)/;

/**
 * The coding Accept-Encoding prefers among br and gzip: the higher q (1 when left out), br on a tie; `*` and
 * `x-gzip` count as gzip. Undefined when it accepts neither.
 */
function negotiateCoding(header: string | undefined): Coding | undefined {
  let best: { coding: Coding; q: number } | undefined;
  for (const element of header?.toLowerCase().split(',') ?? []) {
    const [name = '', ...parameters] = element.split(';').map((part) => part.trim());
    const coding = name === 'br' ? 'br' : name === 'gzip' || name === 'x-gzip' || name === '*' ? 'gzip' : undefined;
    const qParameter = parameters.find((parameter) => /^q\s*=/.test(parameter));
    const q = qParameter === undefined ? 1 : Number.parseFloat(qParameter.replace(/^q\s*=\s*/, '')) || 0;
    if (coding && q > 0 && (!best || q > best.q || (q === best.q && coding === 'br'))) best = { coding, q };
  }
  return best?.coding;
}

const isStream = (payload: unknown): payload is Readable => typeof (payload as Readable | null)?.pipe === 'function';
const isBody = (payload: unknown): payload is string | Buffer => typeof payload === 'string' || Buffer.isBuffer(payload);

/** The coding to send the response's body in; undefined to send it as it is. */
function codingFor(request: FastifyRequest, reply: FastifyReply): Coding | undefined {
  // HEAD sends no body to compress; a range (206) counts bytes of the uncompressed body.
  if (request.method === 'HEAD' || reply.statusCode === 206 || reply.hasHeader('content-range')) return undefined;
  const encoding = reply.getHeader('content-encoding');
  if (encoding !== undefined && encoding !== 'identity') return undefined;
  if (!compressible.test(String(reply.getHeader('content-type') ?? 'application/json'))) return undefined;
  return negotiateCoding(request.headers['accept-encoding']);
}

/** Names the coding in the headers; a strong ETag gains it too, since each coding is a representation of its own (see codedTag). */
function describeCoding(reply: FastifyReply, coding: Coding) {
  const vary = reply.getHeader('vary');
  const varies = [vary ?? []].flat().map(String);
  if (!varies.some((value) => /accept-encoding/i.test(value))) reply.header('vary', [...varies, 'accept-encoding'].join(', '));
  reply.header('content-encoding', coding);
  const etag = reply.getHeader('etag');
  if (typeof etag === 'string' && etag.startsWith('"')) reply.header('etag', codedTag(etag, coding));
}

/**
 * A streamed body (a static file), compressed as it flows; its length is unknown until the end. `keep` is given the
 * compressed file once the whole of it has been sent on.
 */
function compressedStream(request: FastifyRequest, reply: FastifyReply, payload: Readable, coding: Coding, keep: (coded: Buffer) => void) {
  reply.removeHeader('content-length');
  const chunks: Buffer[] = [];
  const kept = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      chunks.push(chunk);
      next(null, chunk);
    },
    flush(next) {
      keep(ownBytes(Buffer.concat(chunks)));
      next();
    },
  });
  pipeline(payload, compressStream[coding](), kept, (error) => {
    // A client that leaves mid-response is no fault of ours.
    if (error && error.code !== 'ERR_STREAM_PREMATURE_CLOSE') request.log.error({ err: error }, 'compressing a stream failed');
  });
  return kept;
}

/**
 * What a streamed file's compressed bytes are kept under: its path as routed (neither a query string nor another
 * spelling of the path makes another file), tag and coding. Undefined for a stream without a tag or a path with dot
 * segments, which is not kept.
 */
function fileKey(request: FastifyRequest, reply: FastifyReply, coding: Coding): string | undefined {
  const etag = reply.getHeader('etag');
  const path = routedPath(request);
  return typeof etag === 'string' && path !== undefined ? `${coding} ${path} ${etag}` : undefined;
}

/** A kept file's key and bookkeeping, counted beside its bytes: a file that compresses to a few bytes still counts. */
const compressedFileOverhead = 200;

/**
 * br or gzip, as Accept-Encoding asks, for bodies of 1 KB and more, in one onSend hook that follows every
 * other (the ETag, 304s, the stored idempotent response and large bodies as Buffers see the identity body).
 */
async function compression(app: FastifyInstance) {
  // A static file is the same bytes for every request: compressing the docs page's 1.6 MB script took ~50 ms of
  // CPU a request, for anyone, on routes no rate limit counts. Its compressed bytes are kept, bounded in bytes.
  const compressedFiles = new LRUCache<string, Buffer>({ maxSize: compressedFilesBytes, sizeCalculation: (coded, key) => coded.length + key.length * 2 + compressedFileOverhead });
  app.addHook('onSend', (request, reply, payload, done) => {
    const compressed = isStream(payload) || (isBody(payload) && Buffer.byteLength(payload) >= threshold);
    const coding = compressed ? codingFor(request, reply) : undefined;
    if (coding === undefined || !(isStream(payload) || isBody(payload))) return done(null, payload);
    describeCoding(reply, coding);
    if (isStream(payload)) {
      const key = fileKey(request, reply, coding);
      const kept = key === undefined ? undefined : compressedFiles.get(key);
      const keep = (coded: Buffer) => {
        if (key !== undefined) compressedFiles.set(key, coded);
      };
      if (kept === undefined) return done(null, compressedStream(request, reply, payload, coding, keep));
      // Read to its end, not destroyed: the docs app's file is closed only when it has been read whole.
      payload.resume();
      reply.removeHeader('content-length');
      return done(null, kept);
    }
    const known = Buffer.isBuffer(payload) ? codedForms.get(payload)?.[coding] : undefined;
    if (known !== undefined) return done(null, known);
    if (Buffer.byteLength(payload) <= syncLimit) return done(null, remembered(payload, coding, compressSync[coding](payload)));
    compressAsync[coding](payload, (error, coded) => (error ? done(error) : done(null, remembered(payload, coding, coded))));
  });
}

export default fp(compression, { name: 'compression', dependencies: ['conditional-get', 'idempotency', 'large-bodies'] });
