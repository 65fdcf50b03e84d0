import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the body was in. */
  at: number;
}

/** What the receiver answers the nth request (0-based): a status, or `hang` to never answer. */
type Answer = (n: number) => number | 'hang';

/** A webhook receiver on 127.0.0.1 that records every request; closed when the test ends. */
export async function startReceiver(t: Test, answer: Answer = () => 200) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const n = received.length;
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() });
      const status = receiver.answer(n);
      if (status !== 'hang') response.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    port: (server.address() as AddressInfo).port,
    received,
    answer,
    /** Resolves once `count` requests are in; rejects after `ms`. */
    async until(count: number, ms = 10_000): Promise<Received[]> {
      const deadline = Date.now() + ms;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`the receiver got ${received.length} requests, not ${count}, within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received;
    },
  };
  return receiver;
}

/**
 * The Standard Webhooks check, written from its specification rather than taken from the server: the
 * base64 HMAC-SHA256, keyed with the secret's base64 part decoded, of `id.timestamp.body`, as `v1,<mac>`.
 */
export function expectedSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
