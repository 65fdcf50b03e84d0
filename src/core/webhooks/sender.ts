import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { messageOf } from '../errors.js';
import { checkedLookup, literalAddressProblem } from './addresses.js';

/** One POST of a delivery. */
interface OutgoingDelivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What the receiver answered: its status, or why there was none. */
interface SendResult {
  status: number | null;
  error: string | null;
}

/** Sends a delivery; never rejects. `signal` aborts it (at shutdown). */
export type Sender = (delivery: OutgoingDelivery, signal: AbortSignal) => Promise<SendResult>;

interface SenderOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

/** Of the receiver's answer only the status matters: its body is read up to this and dropped, so a huge or endless body costs nothing. */
const maxResponseBytes = 64 * 1024;

const errorText = (error: unknown) => messageOf(error).slice(0, 500);

/**
 * Sends over node:http(s) to a checked address (addresses.ts): a name is resolved once, checked, and
 * connected to; redirects are not followed (a 3xx is a failure), since one could lead to a private address.
 * The whole attempt (connect, headers, the bounded body) has `timeoutMs`.
 */
export function httpSender({ timeoutMs, allowPrivate }: SenderOptions): Sender {
  const lookup = checkedLookup(allowPrivate);
  return (delivery, signal) =>
    new Promise<SendResult>((resolve) => {
      const url = new URL(delivery.url);
      const refused = literalAddressProblem(url, allowPrivate);
      if (refused) return resolve({ status: null, error: refused.message });
      const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        headers: { ...delivery.headers, 'content-length': String(Buffer.byteLength(delivery.body)) },
        lookup,
        signal,
        agent: false,
      });
      const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const done = (result: SendResult) => {
        clearTimeout(deadline);
        resolve(result);
      };
      request.on('error', (error) => done({ status: null, error: errorText(error) }));
      request.on('response', (response) => {
        const status = response.statusCode ?? null;
        let read = 0;
        const finish = () => {
          response.destroy();
          done({ status, error: status !== null && status >= 200 && status < 300 ? null : `the receiver answered ${status}` });
        };
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > maxResponseBytes) finish();
        });
        response.on('end', finish);
        response.on('error', finish);
      });
      request.end(delivery.body);
    });
}
