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

/** The largest page the list gives (its `limit` parameter's maximum). */
const largestPage = 100;

/**
 * The include scenario's same-bytes check: its own page, and a page of the largest size, which khabar's bound on
 * embedded records cuts (its cursor after the last record kept) in the quick data set as in the full one, so
 * that a baseline embedding past the bound answers 'no' in the smoke test too.
 */
export async function includeSameBytes(server: ServerProcess, baseline: ServerProcess, path: string): Promise<string> {
  const largest = path.replace(/limit=\d+/, `limit=${largestPage}`);
  const page = JSON.parse((await request(server, largest)).text) as { data: unknown[]; meta: { next_cursor: string | null } };
  if (page.data.length >= largestPage || page.meta.next_cursor === null) return `not checked: the bound on embedded records cut no page of ${largestPage}`;
  const answers = [await sameBytes(server, baseline, { path }), await sameBytes(server, baseline, { path: largest })];
  return answers.every((answer) => answer === 'yes') ? 'yes' : 'no';
}
