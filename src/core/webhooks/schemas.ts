import { createInsertSchema, createSelectSchema } from 'drizzle-zod';
import { z } from 'zod';
import { changeActions } from '../changes/table.js';
import { decimalInteger } from '../decimal-integer.js';
import { resourceNames } from '../resources/registry.js';
import { recordId } from '../resources/shared/fields.js';
import { webhookDeliveries, webhooks } from './table.js';

/** The most webhooks stored at once: every write looks them over for the ones its event matches. */
export const maxWebhooks = 100;

/** The receiver the contract's and the docs' examples subscribe: a newsroom's host, not khabar's own. */
export const exampleWebhookUrl = 'https://hooks.news.example/khabar';

/** An http(s) URL without credentials: a credential in it would be shown by every read of the webhook, and the signature already says who sent it. */
const webhookUrl = z
  // abort: the refinement below parses the URL, which throws (a 500) on a string this check refused.
  .url({ protocol: /^https?$/, abort: true })
  .max(2000)
  .refine((url) => {
    const { username, password } = new URL(url);
    return !username && !password;
  }, 'must not hold a user name or password')
  .meta({ description: 'where the deliveries are POSTed: http or https, at a public address unless WEBHOOK_ALLOW_PRIVATE', example: exampleWebhookUrl });

// Every list the API lets a webhook name, each name at most once: the change feed's resources and actions.
const distinct = <T extends z.ZodType<string>>(item: T, what: string) =>
  z
    .array(item)
    .min(1)
    .max(20)
    .refine((list) => new Set(list).size === list.length, `must name each ${what} once`);

const columns = {
  url: webhookUrl,
  resources: distinct(z.enum(resourceNames), 'resource').meta({ description: 'the resources whose events it receives', example: ['articles'] }),
  actions: distinct(z.enum(changeActions), 'action').meta({ description: 'the change feed’s actions it receives', example: ['published', 'unpublished'] }),
};

export const webhook = createSelectSchema(webhooks, { ...columns, id: recordId, created_at: z.string(), updated_at: z.string() })
  .omit({ secret: true })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof webhook>;

export const webhookInput = createInsertSchema(webhooks, columns).pick({ url: true, resources: true, actions: true }).strict().meta({ id: 'WebhookWrite' });
export type WebhookInput = z.infer<typeof webhookInput>;

export const webhookPatch = webhookInput.partial().meta({ id: 'WebhookPatch' });

/** What the create answers, the one time the secret is shown. */
export const createdWebhook = webhook
  .extend({
    secret: z.string().meta({ description: 'the signing secret (`whsec_` and base64): shown in this response only; keep it to verify the `Webhook-Signature` of each delivery' }),
  })
  .meta({ id: 'CreatedWebhook' });

/** A delivery's id as a path or a cursor writes it. */
export const deliveryId = decimalInteger(1, Number.MAX_SAFE_INTEGER);

export const delivery = createSelectSchema(webhookDeliveries, {
  id: z.number().int().meta({ description: 'the delivery’s id, sent as `Webhook-Id` (the same on every attempt)' }),
  seq: z.number().int().meta({ description: 'the change feed event it delivers' }),
  status: (schema) => schema.meta({ description: '`pending` (waiting for its next attempt), `succeeded` (a 2xx) or `failed` (given up after WEBHOOK_MAX_ATTEMPTS)' }),
  attempts: z.number().int().meta({ description: 'attempts so far (a redelivery starts again from 0)' }),
  response_status: z.number().int().nullable().meta({ description: 'the HTTP status of the last attempt; null when there was no answer' }),
  error: z.string().nullable().meta({ description: 'why the last attempt failed' }),
  last_attempt_at: z.string().nullable(),
})
  .omit({ webhook_id: true, claim: true, next_attempt_at: true })
  .extend({ next_attempt_at: z.string().nullable().meta({ description: 'when a pending delivery is due (UTC); null once it succeeded or failed' }) })
  .meta({ id: 'WebhookDelivery' });
export type Delivery = z.infer<typeof delivery>;
