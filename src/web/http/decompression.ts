import { pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';

const decompressors = { br: createBrotliDecompress, gzip: createGunzip, deflate: createInflate };
const isCoding = (encoding: string): encoding is keyof typeof decompressors => Object.hasOwn(decompressors, encoding);

/**
 * Request bodies sent with `Content-Encoding: br`, `gzip` or `deflate` are decompressed before they are
 * parsed; any other coding is a 400. The body limit applies to the decompressed bytes (Fastify counts what
 * this stream yields), and Content-Length to the bytes received (`receivedEncodedLength`).
 */
async function decompression(app: FastifyInstance) {
  app.addHook('preParsing', (request, _reply, raw, done) => {
    const encoding = request.headers['content-encoding'];
    if (encoding === undefined || encoding === 'identity') return done(null, raw);
    if (!isCoding(encoding)) return done(new KhabarError('malformed_body', `Unsupported Content-Encoding: ${encoding}`));
    const decompressor = Object.assign(decompressors[encoding](), { receivedEncodedLength: 0 });
    decompressor.on('error', (error: Error & { statusCode?: number }) => {
      // Fastify answers a body stream's error with its message and status: say what went wrong, as a 400.
      error.message = 'Could not decompress the request payload using the provided encoding';
      error.statusCode = 400;
    });
    raw.on('data', (chunk: Buffer) => {
      decompressor.receivedEncodedLength += chunk.length;
    });
    pipeline(raw, decompressor, () => {
      // Errors reach Fastify through the decompressor's own 'error' event.
    });
    done(null, decompressor);
  });
}

export default fp(decompression, { name: 'decompression' });
