import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changeEvent, seq } from '../../core/changes/schemas.js';
import type { ChangeStreamLimits } from '../../core/config.js';
import { KhabarError } from '../../core/errors.js';
import { nextPageLink } from '../../core/list/cursor.js';
import { listLinks } from '../../core/resources/shared/schemas.js';
import type { Services } from '../../core/services.js';
import { clientKey } from '../http/client-key.js';
import { problemResponses } from '../http/problem.js';
import { jsonResponse } from '../http/responses.js';
import { pageSize } from '../list/params.js';
import { ChangeStream, changeWatcher, streamVisibility } from './stream.js';

const tags = ['changes'];

const changeList = z
  .object({
    data: z.array(changeEvent),
    meta: z.object({
      limit: z.number().int(),
      after: z.number().int().meta({ description: 'the seq this page starts after' }),
      next_after: z.number().int().meta({
        description:
          'the seq to ask for next (`?after=`): the page’s last event’s when the page is full, else the last seq it examined (past the events a reader without a token does not see; without a token a page examines at most 10,000 seqs, so it may be short or empty and still have a `next` link), at least `after`',
      }),
    }),
    links: listLinks.meta({ description: '`next` is null once the page reached the newest event: poll `?after=meta.next_after` later, or open the stream' }),
  })
  .meta({ id: 'ChangeList' });

const after = seq.meta({ description: 'the seq of the last event already seen, in decimal digits: the page starts after it (0: from the first event)', example: '42' });

/**
 * The Retry-After of a stream refused for the open streams' limits: a stream ends when its client leaves, which
 * nothing predicts, so a few seconds spreads the retries without keeping a client away long.
 */
const streamRetryAfterSeconds = 5;

/** The stream's body: a Readable to the handler, text to the contract. */
const eventStream = z.custom<Readable>().meta({ type: 'string', description: 'Server-Sent Events' });

const streamFormat = [
  'A Server-Sent Events stream (`text/event-stream`), one event per change in seq order:',
  '`id:` the seq, `event:` the action, `data:` the change as JSON (the `Change` schema).',
  `A comment line (\`: heartbeat\`) is sent when the stream has been idle for the heartbeat interval (CHANGES_HEARTBEAT_MS, 15 s by default).`,
  'The stream ends when the server shuts down; reconnect with `Last-Event-ID` (EventSource does) to resume where it stopped.',
].join(' ');

/** The change feed: a page of events after a seq, and the same events as a stream that stays open, read as the socket drains. */
export function changeRoutes(feed: Services['changes'], limits: ChangeStreamLimits): FastifyPluginAsyncZod {
  return async (app) => {
    const watcher = changeWatcher(feed, limits.pollMs, (err) => app.log.error({ err }, 'polling the change feed failed; retrying'));
    const open = new Set<ChangeStream>();
    const perClient = new Map<string, number>();
    // An open stream must not keep the server from closing: each ends, and its client reconnects elsewhere.
    app.addHook('preClose', async () => {
      for (const stream of open) stream.finish();
    });

    app.get('/v1/changes', {
      config: { traits: { rateLimit: 'read', formats: 'json' } },
      schema: {
        tags,
        operationId: 'list_changes',
        summary: 'List the changes',
        description:
          'Every committed create, update, delete and revision restore, oldest first, numbered by `seq` without gaps; without a token, only the events of records the public sees now (an article published and due). ' +
          'Page with `after`: follow `links.next` while it is not null, then poll `?after=meta.next_after`.',
        querystring: z.strictObject({
          after: after.prefault('0'),
          limit: pageSize(1000, 100),
        }),
        response: { 200: jsonResponse('A page of changes', changeList), ...problemResponses(400) },
      },
      handler: async (request, reply) => {
        const { after, limit } = request.query;
        const page = await feed.page(after, limit, await request.visibility);
        const next = page.more ? nextPageLink(request.url, String(page.through), 'after') : null;
        if (next) reply.header('Link', `<${next}>; rel="next"`);
        return { data: page.events, meta: { limit, after, next_after: page.through }, links: { self: request.url, next } };
      },
    });

    app.get('/v1/changes/stream', {
      config: { traits: { rateLimit: 'read' } },
      schema: {
        tags,
        operationId: 'stream_changes',
        summary: 'Stream the changes',
        description: `${streamFormat} Without a token, the events of records the public sees, as the list gives them. Without \`Last-Event-ID\` or \`after\` it starts with the next change. At most CHANGES_STREAMS_PER_CLIENT streams per client address (429) and CHANGES_STREAMS_MAX in all (503) are open at once, per server process.`,
        querystring: z.strictObject({ after: after.optional() }),
        headers: z.object({
          'last-event-id': seq.optional().meta({ description: 'the `id` of the last event received, in decimal digits: resumes after it (wins over `after`); another value is a 400', example: '42' }),
        }),
        response: {
          200: { description: streamFormat, content: { 'text/event-stream': { schema: eventStream } } },
          ...problemResponses(400, 429, 503),
        },
      },
      handler: async (request, reply) => {
        reply.header('cache-control', 'no-store').header('x-accel-buffering', 'no').type('text/event-stream; charset=utf-8');
        // Fastify drains a HEAD's stream to its end, which this one never reaches: a HEAD gets the headers only.
        if (request.method === 'HEAD') return Readable.from([]);
        // Read before the streams are counted, so that no await comes between the count and the stream's registration.
        const start = request.headers['last-event-id'] ?? request.query.after ?? (await feed.lastSeq());
        const visibility = streamVisibility(await request.visibility);
        const client = clientKey(request.ip);
        const clientStreams = perClient.get(client) ?? 0;
        if (clientStreams >= limits.maxStreamsPerClient || open.size >= limits.maxStreams) reply.header('Retry-After', String(streamRetryAfterSeconds));
        if (clientStreams >= limits.maxStreamsPerClient) throw new KhabarError('too_many_requests', `this client has ${clientStreams} change streams open, the most allowed`);
        if (open.size >= limits.maxStreams) throw new KhabarError('overloaded', `the server has ${open.size} change streams open, the most allowed`);
        const stream = new ChangeStream(feed, watcher, start, limits.heartbeatMs, visibility);
        open.add(stream);
        perClient.set(client, clientStreams + 1);
        stream.once('close', () => {
          open.delete(stream);
          const left = (perClient.get(client) ?? 1) - 1;
          if (left === 0) perClient.delete(client);
          else perClient.set(client, left);
        });
        return stream;
      },
    });
  };
}
