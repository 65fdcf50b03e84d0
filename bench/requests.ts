/** Single requests to the servers under test, outside the load: probes and the same-bytes check. */
import type { ServerProcess } from './processes.js';
import { log } from './settings.js';

export async function request(server: ServerProcess, path: string, init: RequestInit = {}) {
  const response = await fetch(server.url + path, init);
  return { status: response.status, text: await response.text() };
}

interface SameBytesOptions {
  path: string;
  /** The path on the second server, when it differs. */
  pathB?: string;
  init?: () => RequestInit;
  /** Blanks what must differ (ids, times, slugs of new records). */
  mask?: (text: string) => string;
}

/** Whether the two servers send the same body: 'yes' or 'no'. */
export async function sameBytes(a: ServerProcess, b: ServerProcess, { path, pathB = path, init = () => ({}), mask = (text) => text }: SameBytesOptions) {
  const x = await request(a, path, init());
  const y = await request(b, pathB, init());
  if (mask(x.text) === mask(y.text)) return 'yes';
  if (process.env.BENCH_DEBUG) log(`bytes differ on ${path}:\n${x.status} ${x.text}\n${y.status} ${y.text}`);
  return 'no';
}
