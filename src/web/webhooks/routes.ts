import type { FastifyContextConfig } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KhabarError } from '../../core/errors.js';
import { nextPageLink } from '../../core/list/cursor.js';
import { recordId } from '../../core/resources/shared/fields.js';
import { listLinks } from '../../core/resources/shared/schemas.js';
import type { Services } from '../../core/services.js';
import { destinationProblem } from '../../core/webhooks/addresses.js';
import { createdWebhook, delivery, deliveryId, webhook, webhookInput, webhookPatch } from '../../core/webhooks/schemas.js';
import { jsonMediaType, patchMediaTypes } from '../http/media-types.js';
import { problemResponses } from '../http/problem.js';
import { jsonResponse } from '../http/responses.js';
import { pageSize } from '../list/params.js';

const tags = ['webhooks'];
const read: FastifyContextConfig = { traits: { role: 'admin', rateLimit: 'read', formats: 'json' } };
const write: FastifyContextConfig = { traits: { role: 'admin', rateLimit: 'write' } };

const params = z.strictObject({ id: recordId.meta({ description: 'the webhook’s id' }) });
const deliveryParams = params.extend({ delivery_id: deliveryId.meta({ description: 'the delivery’s id (its `Webhook-Id`)', example: 1 }) });

const single = z.object({ data: webhook }).meta({ id: 'WebhookResponse' });
const deliveryList = z.object({ data: z.array(delivery), meta: z.object({ limit: z.number().int(), next_cursor: z.string().nullable() }), links: listLinks }).meta({ id: 'WebhookDeliveryList' });

const notFound = (id: string): never => {
  throw new KhabarError('not_found', `no webhook with id ${id}`);
};

/** A URL the server may not send to is refused when it is written, as the sender refuses it at each attempt. */
async function checkDestination(url: string | undefined, allowPrivate: boolean) {
  if (url === undefined) return;
  const problem = await destinationProblem(new URL(url), allowPrivate);
  if (problem) throw new KhabarError('validation_failed', `the webhook URL is not allowed: ${problem}`, [{ path: 'url', message: problem }]);
}

/** Webhooks, managed by an admin token: the subscriptions, their deliveries, and a redelivery. */
export function webhookRoutes(webhooks: Services['webhooks'], allowPrivate: boolean): FastifyPluginAsyncZod {
  const destination = allowPrivate
    ? 'any http(s) URL (WEBHOOK_ALLOW_PRIVATE is set on this server)'
    : 'an http(s) URL whose host is, and resolves to, public addresses only (no loopback, private or link-local)';
  return async (app) => {
    app.post('/v1/webhooks', {
      config: write,
      schema: {
        tags,
        operationId: 'create_webhook',
        summary: 'Create a webhook',
        description: `Each change feed event of the named resources and actions is POSTed, signed, to \`url\`: ${destination}. The response holds the signing \`secret\`, shown this once.`,
        consumes: [jsonMediaType],
        body: webhookInput,
        response: { 201: jsonResponse('The webhook, with its secret', z.object({ data: createdWebhook }).meta({ id: 'CreatedWebhookResponse' })), ...problemResponses(400, 409, 413, 415) },
      },
      handler: async (request, reply) => {
        await checkDestination(request.body.url, allowPrivate);
        const created = await webhooks.create(request.body);
        reply.code(201).header('Location', `/v1/webhooks/${created.id}`);
        return { data: created };
      },
    });

    app.get('/v1/webhooks', {
      config: read,
      schema: {
        tags,
        operationId: 'list_webhooks',
        summary: 'List the webhooks',
        description: 'Every webhook (at most 100 are stored), oldest first, without their secrets.',
        response: { 200: jsonResponse('The webhooks', z.object({ data: z.array(webhook) }).meta({ id: 'WebhookList' })), ...problemResponses(400) },
      },
      handler: async () => ({ data: await webhooks.list() }),
    });

    app.get('/v1/webhooks/:id', {
      config: read,
      schema: {
        tags,
        operationId: 'get_webhook',
        summary: 'Get a webhook',
        description: 'Its URL, resources and actions; never its secret.',
        params,
        response: { 200: jsonResponse('The webhook, without its secret', single), ...problemResponses(400, 404) },
      },
      handler: async (request) => ({ data: (await webhooks.find(request.params.id)) ?? notFound(request.params.id) }),
    });

    app.patch('/v1/webhooks/:id', {
      config: write,
      schema: {
        tags,
        operationId: 'update_webhook',
        summary: 'Update a webhook',
        description: 'JSON merge patch (RFC 7396) of `url`, `resources` and `actions`; the secret stays. Deliveries already queued keep going to the webhook’s current URL.',
        consumes: patchMediaTypes,
        params,
        body: webhookPatch,
        response: { 200: jsonResponse('The webhook as stored', single), ...problemResponses(400, 404, 413, 415) },
      },
      handler: async (request) => {
        await checkDestination(request.body.url, allowPrivate);
        const updated = await webhooks.update(request.params.id, request.body);
        return { data: updated ?? notFound(request.params.id) };
      },
    });

    app.delete('/v1/webhooks/:id', {
      config: write,
      schema: {
        tags,
        operationId: 'delete_webhook',
        summary: 'Delete a webhook',
        description: 'Its deliveries go with it, sent or not.',
        params,
        response: { 204: z.null().meta({ description: 'Deleted' }), ...problemResponses(400, 404) },
      },
      handler: async (request, reply) => {
        if (!(await webhooks.remove(request.params.id))) notFound(request.params.id);
        return reply.code(204).send(null);
      },
    });

    app.get('/v1/webhooks/:id/deliveries', {
      config: read,
      schema: {
        tags,
        operationId: 'list_webhook_deliveries',
        summary: 'List the deliveries of a webhook',
        description: 'Newest first, in pages of `limit`: follow `links.next` until it is null. Pending, succeeded and failed deliveries, each with its last attempt.',
        params,
        querystring: z.strictObject({
          limit: pageSize(100, 20),
          cursor: deliveryId.optional().meta({ description: '`meta.next_cursor` of the previous page: the deliveries below this id', example: 21 }),
        }),
        response: { 200: jsonResponse('A page of deliveries', deliveryList), ...problemResponses(400, 404) },
      },
      handler: async (request, reply) => {
        const { id } = request.params;
        const { limit, cursor } = request.query;
        if (!(await webhooks.find(id))) notFound(id);
        const page = await webhooks.deliveries(id, limit, cursor);
        const next = page.next === null ? null : nextPageLink(request.url, String(page.next));
        if (next) reply.header('Link', `<${next}>; rel="next"`);
        return { data: page.rows, meta: { limit, next_cursor: page.next === null ? null : String(page.next) }, links: { self: request.url, next } };
      },
    });

    app.post('/v1/webhooks/:id/deliveries/:delivery_id/redeliver', {
      config: write,
      schema: {
        tags,
        operationId: 'redeliver_webhook_delivery',
        summary: 'Send a delivery again',
        description:
          'The delivery becomes pending and due now, its attempts counted from 0 again (a failed one gets WEBHOOK_MAX_ATTEMPTS more); it keeps its `Webhook-Id`, and goes to the webhook’s current URL with a new timestamp and signature.',
        params: deliveryParams,
        response: { 202: jsonResponse('The delivery, queued', z.object({ data: delivery }).meta({ id: 'WebhookDeliveryResponse' })), ...problemResponses(400, 404) },
      },
      handler: async (request, reply) => {
        const { id, delivery_id } = request.params;
        const queued = await webhooks.redeliver(id, delivery_id);
        if (!queued) throw new KhabarError('not_found', `webhook ${id} has no delivery ${delivery_id}`);
        return reply.code(202).send({ data: queued });
      },
    });
  };
}
