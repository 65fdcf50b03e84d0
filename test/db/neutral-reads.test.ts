import t from 'tap';
import { changeFeed } from '../../src/core/changes/feed.js';
import { changes } from '../../src/core/changes/table.js';
import { everything, type Visibility } from '../../src/core/list/visibility.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { trashListing } from '../../src/core/trash/listing.js';
import { trash } from '../../src/core/trash/table.js';
import { deliveryListing } from '../../src/core/webhooks/deliveries.js';
import { webhookDeliveries, webhooks } from '../../src/core/webhooks/table.js';
import { engines } from '../engines.js';
import { publicAt } from '../helper.js';
import { articleRow } from '../rows.js';

/*
 * The first reads written once for either engine (docs/postgresql.md, step 2): the change feed's pages, the trash
 * listing and a webhook's deliveries, run by the same store code on SQLite and on PostgreSQL over the same rows.
 * What each page should hold is worked out here from the rows written, by the rules the API documents.
 */

const { onBoth } = engines(t);

const at = '2026-02-01T00:00:00.000Z';
const events = [
  { seq: 1, resource: 'people', id: 'p1', action: 'created', version: 1, at },
  { seq: 2, resource: 'articles', id: 'public', action: 'created', version: 1, at },
  { seq: 3, resource: 'articles', id: 'draft', action: 'created', version: 1, at },
  { seq: 4, resource: 'articles', id: 'scheduled', action: 'created', version: 1, at },
  { seq: 5, resource: 'articles', id: 'public', action: 'updated', version: 2, at },
  { seq: 6, resource: 'articles', id: 'deleted', action: 'trashed', version: 1, at },
  { seq: 7, resource: 'people', id: 'p1', action: 'updated', version: 2, at },
] as const;
// What the public sees on 2026-06-01: every person's events; an article's while it is published and its date has come.
const publicly: Visibility = publicAt('2026-06-01T00:00:00.000Z');
const seenPublicly = events.filter((event) => event.resource === 'people' || event.id === 'public');

onBoth('the change feed: pages in seq order, the public seeing the events of what it sees', async (t, engine) => {
  const feed = changeFeed(engine.statements);
  t.equal(await feed.lastSeq(), 0, 'an empty feed ends at 0');
  t.strictSame(await feed.page(0, 10, everything), { events: [], more: false, through: 0 });

  await engine.insert(articles, [articleRow('public', 'published', '2026-01-01T00:00:00.000Z'), articleRow('draft', 'draft', null), articleRow('scheduled', 'published', '2027-01-01T00:00:00.000Z')]);
  await engine.insert(
    changes,
    events.map(({ id, ...event }) => ({ ...event, record_id: id })),
  );
  t.equal(await feed.lastSeq(), 7);
  t.strictSame(await feed.page(0, 10, everything), { events, more: false, through: 7 }, 'everything, for a token');
  t.strictSame(await feed.page(0, 3, everything), { events: events.slice(0, 3), more: true, through: 3 }, 'a full page says there is more');
  t.strictSame(await feed.page(3, 10, everything), { events: events.slice(3), more: false, through: 7 }, 'the next page starts after it');
  t.strictSame(await feed.page(0, 10, publicly), { events: seenPublicly, more: false, through: 7 }, "the public's page");
  t.strictSame(await feed.page(0, 2, publicly), { events: seenPublicly.slice(0, 2), more: true, through: seenPublicly[1]!.seq }, "the public's first page of two");
  t.strictSame(await feed.page(5, 10, publicly), { events: seenPublicly.filter(({ seq }) => seq > 5), more: false, through: 7 });
});

const trashed = (resource: string, id: string, trashedAt: string) => ({ resource, record_id: id, slug: `slug-${id}`, version: 3, trashed_at: trashedAt, writer: 'editor', links: [] });
const trashRows = [
  trashed('people', 'r1', '2026-01-01T00:00:00.000Z'),
  trashed('people', 'r2', '2026-01-02T00:00:00.000Z'),
  trashed('people', 'r3', '2026-01-02T00:00:00.000Z'),
  trashed('articles', 'r4', '2026-01-03T00:00:00.000Z'),
];
const listed = ({ record_id, slug, version, trashed_at, writer }: (typeof trashRows)[number]) => ({ id: record_id, slug, version, trashed_at, trashed_by: writer });

onBoth('the trash: newest first, ties by id, in pages; counted per resource', async (t, engine) => {
  await engine.insert(trash, trashRows);
  const listing = trashListing(engine.statements);
  const [r1, r2, r3] = trashRows.map(listed);
  const first = await listing.page('people', 2);
  t.strictSame(first, { rows: [r3, r2], next: [r2!.trashed_at, 'r2'] });
  t.strictSame(await listing.page('people', 2, first.next!), { rows: [r1], next: null });
  t.strictSame(await listing.page('meetings', 2), { rows: [], next: null });
  t.equal(await listing.count('people'), 3);
  t.equal(await listing.count('meetings'), 0);
});

onBoth("a webhook's deliveries: newest first, below a cursor, its due time as a date", async (t, engine) => {
  const hook = (id: string) => ({ id, url: `https://hooks.example/${id}`, secret: 's', resources: [], actions: [], created_at: at, updated_at: at });
  await engine.insert(webhooks, [hook('h1'), hook('h2')]);
  const due = Date.UTC(2026, 2, 1);
  const delivery = (id: number, webhook: string, status: 'pending' | 'succeeded', next: number | null) => ({
    id,
    webhook_id: webhook,
    seq: id * 10,
    status,
    attempts: id,
    next_attempt_at: next,
    claim: null,
    last_attempt_at: status === 'succeeded' ? at : null,
    response_status: status === 'succeeded' ? 204 : null,
    error: null,
  });
  await engine.insert(webhookDeliveries, [delivery(1, 'h1', 'succeeded', null), delivery(2, 'h1', 'pending', due), delivery(3, 'h1', 'pending', due), delivery(4, 'h2', 'pending', due)]);
  const shown = (id: number, status: string, next: string | null) => ({
    id,
    seq: id * 10,
    status,
    attempts: id,
    next_attempt_at: next,
    last_attempt_at: status === 'succeeded' ? at : null,
    response_status: status === 'succeeded' ? 204 : null,
    error: null,
  });
  const { deliveries } = deliveryListing(engine.statements);
  t.strictSame(await deliveries('h1', 2), { rows: [shown(3, 'pending', '2026-03-01T00:00:00.000Z'), shown(2, 'pending', '2026-03-01T00:00:00.000Z')], next: 2 });
  t.strictSame(await deliveries('h1', 2, 2), { rows: [shown(1, 'succeeded', null)], next: null });
  t.strictSame(await deliveries('nobody', 2), { rows: [], next: null });
});
