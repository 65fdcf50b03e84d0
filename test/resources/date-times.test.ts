import { sql } from 'drizzle-orm';
import t from 'tap';
import { storesOf } from '../../src/core/db/handles.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { auth, body, build, countRows, firstRecords, readRows } from '../helper.js';

const json = { ...auth, 'content-type': 'application/json' };
const paragraph = [{ type: 'paragraph', text: 'نص' }];
const article = (slug: string, published_at: string | null) => ({ slug, title: slug, language: 'ar', body: paragraph, published_at });

t.test('date-times are stored and returned in UTC with milliseconds, whatever offset and precision they are sent with', async (t) => {
  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: article('offset', '2026-11-25T12:00:00+03:00') });
  t.equal(created.statusCode, 201);
  t.equal(body(created).data.published_at, '2026-11-25T09:00:00.000Z', 'the response carries the stored form');
  const stored = await readRows(app, sql<{ published_at: string }>`select ${articles.published_at} as published_at from ${articles} where ${articles.slug} = 'offset'`);
  t.same(stored, [{ published_at: '2026-11-25T09:00:00.000Z' }], 'the row holds the same form');

  const meeting = (await firstRecords(app, storesOf(app.services).meetings))[0]!;
  const patch = (starts_at: string) => app.inject({ method: 'PATCH', url: `/v1/meetings/${meeting.id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: { starts_at } });
  t.equal(body(await patch('2026-11-25T23:30:00.25-05:30')).data.starts_at, '2026-11-26T05:00:00.250Z', 'a meeting time is converted across the day boundary');
  t.equal(body(await patch('2026-11-25')).data.starts_at, '2026-11-25', 'a calendar date stays a date');
});

t.test('a date-time finer than milliseconds is refused, and nothing is stored', async (t) => {
  const app = await build(t);
  const count = () => countRows(app, articles);
  const before = await count();
  const response = await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: article('micro', '2026-11-25T09:00:00.123456Z') });
  t.equal(response.statusCode, 400);
  t.match(body(response).errors, [{ path: 'body.published_at', message: /millisecond/ }]);
  t.equal(await count(), before);
  const filter = await app.inject(`/v1/meetings?filter[starts_at][gte]=${encodeURIComponent('2026-11-25T09:00:00.1234Z')}`);
  t.equal(filter.statusCode, 400, 'a filter value is held to the same rule');
  t.match(body(filter).errors, [{ path: 'querystring.filter.starts_at.gte', message: /millisecond/ }]);
});

t.test('values sent with different offsets and precisions sort and filter in time order', async (t) => {
  const app = await build(t);
  // Sent in this order; in time: 08:00 (as 11:00+03:00), 09:00, 09:00:00.5.
  for (const [slug, at] of [
    ['nine', '2026-11-25T09:00:00Z'],
    ['nine-and-a-half-second', '2026-11-25T09:00:00.5Z'],
    ['eight', '2026-11-25T11:00:00+03:00'],
  ] as const) {
    t.equal((await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: article(slug, at) })).statusCode, 201);
  }
  const slugs = async (query: string) => body(await app.inject(`/v1/articles?fields=slug&${query}`)).data.map((a: { slug: string }) => a.slug);
  const since = encodeURIComponent('2026-11-25T10:00:00+02:00');
  t.same(await slugs(`sort=published_at&filter[published_at][gte]=${since}`), ['eight', 'nine', 'nine-and-a-half-second']);
  t.same(await slugs(`sort=-published_at&filter[published_at][gt]=${since}`), ['nine-and-a-half-second', 'nine'], 'gt excludes the equal instant written another way');
  t.same(await slugs(`filter[published_at][eq]=${encodeURIComponent('2026-11-25T09:00:00.500Z')}`), ['nine-and-a-half-second']);
});
