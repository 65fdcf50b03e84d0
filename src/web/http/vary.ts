import type { FastifyReply } from 'fastify';

/** Adds a request header to the reply's Vary, once, keeping the ones other hooks named. */
export function appendVary(reply: FastifyReply, field: string) {
  const current = String(reply.getHeader('vary') ?? '');
  const fields = current
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (!fields.some((f) => f.toLowerCase() === field.toLowerCase())) reply.header('vary', [...fields, field].join(', '));
}
