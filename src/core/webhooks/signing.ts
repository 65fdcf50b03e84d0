import { createHmac, randomBytes } from 'node:crypto';

const secretPrefix = 'whsec_';

/** A new signing secret: 32 random bytes in base64 after `whsec_`, the Standard Webhooks form. */
export const newSecret = (): string => `${secretPrefix}${randomBytes(32).toString('base64')}`;

/**
 * The `Webhook-Signature` of a delivery (Standard Webhooks): `v1,` and the base64 HMAC-SHA256, keyed with the
 * secret's decoded bytes, of `id.timestamp.body`. The timestamp (Unix seconds) lets a receiver refuse old
 * replays; the id, which a retry keeps, lets it drop a delivery it has already processed.
 */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(secretPrefix.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
