import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** br or gzip, as Accept-Encoding asks, for bodies of 1 KB and more; smaller ones are not worth the CPU. */
async function compression(app: FastifyInstance) {
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
}

export default fp(compression, { name: 'compression' });
