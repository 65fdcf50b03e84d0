import pg from 'pg';
import t from 'tap';
import { auth, body, build } from '../helper.js';
import { clusterAdmin, startPostgres } from '../postgres.js';

/*
 * The Idempotency-Key store on PostgreSQL, whose writes append no change and so run without the feed's lock (as
 * claims: read committed): a retry still replays, requests racing with one key still create once, and a key is
 * claimed while another transaction holds the feed's lock, which an appending write would wait for.
 */

t.setTimeout(120_000);

const json = { ...auth, 'content-type': 'application/json' };

t.test('on PostgreSQL a keyed POST replays, racing ones create once, and a key is claimed while the feed is locked', async (t) => {
  const { fresh } = await clusterAdmin(t, await startPostgres(t));
  const { url } = await fresh('idempotency');
  const app = await build(t, { seed: 'never', databaseUrl: url });
  const total = async (path: string) => body<{ meta: { total: number } }>(await app.inject({ url: path, headers: auth })).meta.total;

  const post = () => app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...json, 'idempotency-key': 'replayed' }, payload: { slug: 'لجنة', name: 'لجنة التنسيق', kind: 'committee' } });
  const first = await post();
  t.equal(first.statusCode, 201);
  const retry = await post();
  t.match({ status: retry.statusCode, replayed: retry.headers['idempotent-replayed'], location: retry.headers.location }, { status: 201, replayed: 'true', location: first.headers.location });
  t.equal(retry.body, first.body, 'the retry replays the first body');
  t.equal(await total('/v1/organisations'), 1, 'one record for two requests');

  // An import makes a new slug when the title's is taken, so without the key each request would store an article.
  const copies = 6;
  const answers = await Promise.all(
    Array.from({ length: copies }, () =>
      app.inject({
        method: 'POST',
        url: '/v1/articles/import',
        headers: { ...auth, 'content-type': 'text/plain; charset=utf-8', 'idempotency-key': 'racing' },
        payload: 'خبر متزامن\nوصل الوفد إلى الكويت صباح اليوم.\n',
      }),
    ),
  );
  const created = answers.filter((answer) => answer.statusCode === 201 && answer.headers['idempotent-replayed'] === undefined);
  t.equal(created.length, 1, 'one racing request created the article');
  const others = answers.filter((answer) => answer !== created[0]);
  t.ok(
    others.every(
      (answer) =>
        (answer.statusCode === 409 && body<{ code: string }>(answer).code === 'idempotency_key_in_flight') || (answer.headers['idempotent-replayed'] === 'true' && answer.body === created[0]?.body),
    ),
    'each other one was refused as in flight or replayed the first',
  );
  t.equal(await total('/v1/articles'), 1, `one article stored for ${copies} requests`);

  const holder = new pg.Client(url);
  await holder.connect();
  t.teardown(() => holder.end());
  await holder.query('begin; lock table changes_counter in exclusive mode');
  const store = app.services.idempotency;
  t.same(await store.claim('test-editor', 'while-locked', 'a'), { outcome: 'claimed' }, "a key is claimed while another transaction holds the feed's lock");
  t.same(await store.claim('test-editor', 'while-locked', 'a'), { outcome: 'in_flight' }, 'and found in flight by the next claim');
  await store.complete('test-editor', 'while-locked', { status: 201, headers: {}, body: '{}' });
  t.same(await store.claim('test-editor', 'while-locked', 'a'), { outcome: 'replay', response: { status: 201, headers: {}, body: '{}' } }, 'then completed, still under the lock');
  await holder.query('commit');
});
