import t from 'tap';
import { sharedDatabase } from '../helper.js';
import { startServer, processToken as token } from '../server-process.js';

t.test('revision numbers stay gapless under concurrent writers in two processes', async (t) => {
  const server = await startServer({ DATABASE_URL: await sharedDatabase(t), WORKERS: '2', RATE_LIMIT_WRITE_MAX: '0' });
  t.teardown(() => server.stop());
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = await fetch(`${server.url}/v1/organisations`, { method: 'POST', headers, body: JSON.stringify({ slug: 'لجنة', name: 'لجنة', kind: 'committee' }) });
  const { id } = ((await created.json()) as { data: { id: string } }).data;
  const writes = 60;
  const statuses = await Promise.all(
    Array.from({ length: writes }, async (_, i) => {
      const response = await fetch(`${server.url}/v1/organisations/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ name: `لجنة ${i}` }) });
      return response.status;
    }),
  );
  t.same(new Set(statuses), new Set([200]), 'every write succeeds');
  const numbers: number[] = [];
  let url: string | null = `/v1/organisations/${id}/revisions?limit=7`;
  while (url) {
    const page = (await (await fetch(`${server.url}${url}`, { headers })).json()) as { data: Array<{ n: number }>; links: { next: string | null } };
    numbers.push(...page.data.map((revision) => revision.n));
    url = page.links.next;
  }
  t.same(
    numbers,
    Array.from({ length: writes + 1 }, (_, i) => writes + 1 - i),
    'one revision per write, numbered from 1 without gaps or repeats',
  );
  const version = ((await (await fetch(`${server.url}/v1/organisations/${id}`)).json()) as { data: { version: number } }).data.version;
  t.equal(version, writes + 1, 'the newest revision number is the record’s version');
  // Each write stores the revision it supersedes whole, from the record it replaces: in either process, that is the record the revision wrote.
  const records = await Promise.all(
    numbers.map(async (n) => ((await (await fetch(`${server.url}/v1/organisations/${id}/revisions/${n}`, { headers })).json()) as { data: { record: { name: string; version: number } } }).data.record),
  );
  t.same(
    records.map((record) => record.version),
    numbers,
    'revision n holds the record at version n',
  );
  t.same(
    records
      .slice(0, writes)
      .map((record) => record.name)
      .sort(),
    Array.from({ length: writes }, (_, i) => `لجنة ${i}`).sort(),
    'and the revisions after the create hold each written name once',
  );
});
