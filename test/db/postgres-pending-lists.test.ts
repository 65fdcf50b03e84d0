import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import t from 'tap';
import { openPostgresEngine } from '../../src/core/db/engine-postgres.js';
import { mergePendingLists } from '../../src/core/db/postgres-pending-lists.js';
import { auth, build } from '../helper.js';
import { clusterAdmin, startPostgres } from '../postgres.js';

/*
 * The GIN indexes' pending lists merged off the write path (src/core/db/postgres-pending-lists.ts): counted with
 * pgstattuple's `pgstatginindex`, which reads the index's metapage, not with the function under test.
 */

const { fresh } = await clusterAdmin(t, await startPostgres(t));
const ginIndexes = ['search_index_vectors_idx', 'substring_index_trigrams_idx'];
const log = { warn: (message: string) => t.fail(message), info: () => undefined };

/** A superuser's connection to the database at `url`, with pgstattuple; closed at teardown. */
async function inspector(url: string) {
  const client = new pg.Client(url);
  await client.connect();
  t.teardown(() => client.end());
  await client.query('create extension if not exists pgstattuple');
  /** The entries waiting in each GIN index's pending list, by index. */
  const pending = async () =>
    Object.fromEntries(
      await Promise.all(ginIndexes.map(async (name) => [name, Number((await client.query('select pending_tuples from pgstatginindex($1::regclass)', [name])).rows[0].pending_tuples)])),
    );
  return { client, pending };
}

const nothingPending = Object.fromEntries(ginIndexes.map((name) => [name, 0]));

t.test('a merge empties every GIN pending list; while another node merges, it passes and leaves them', async (t) => {
  const { url } = await fresh('merged');
  const engine = await openPostgresEngine(url, { poolMax: 2, log });
  t.teardown(() => engine.close());
  const { client, pending } = await inspector(url);
  await client.query(`
    insert into search_documents (type, record_id) select 'article', 'a' || n from generate_series(1, 40) n;
    insert into search_index (rowid, type, title, title_stem, body, body_stem) select doc_id, type, 'عنوان ' || doc_id, 'عنوان', 'نص الخبر ' || doc_id, 'نص خبر' from search_documents;
    insert into substring_index (rowid, slug, title) select doc_id, 'خبر-' || doc_id, 'عنوان ' || doc_id from search_documents;
  `);
  const before = await pending();
  t.ok(
    ginIndexes.every((name) => before[name]! > 0),
    `new entries wait in both pending lists (${JSON.stringify(before)})`,
  );

  const other = new pg.Client(url);
  await other.connect();
  t.teardown(() => other.end());
  await other.query('begin');
  await other.query('select pg_advisory_xact_lock(118096054608243)');
  t.equal(await engine.writes.claim(mergePendingLists), null, 'a merge while another node merges passes');
  t.same(await pending(), before, 'and leaves the lists to it');
  await other.query('rollback');

  const merged = await engine.writes.claim(mergePendingLists);
  t.ok(merged!.pages > 0, 'a merge reports the pages it merged');
  t.equal(merged!.foreign, 0, "every GIN index is the role's own");
  t.same(await pending(), nothingPending, 'and leaves no entry pending in either index');
});

t.test('a server merges the pending lists soon after its writes, outside them', async (t) => {
  const { url } = await fresh('served');
  const app = await build(t, { databaseUrl: url });
  const { pending } = await inspector(url);
  for (let i = 0; i < 20; i++) {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/organisations',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: { slug: `لجنة-${i}`, name: `لجنة التنسيق ${i}`, kind: 'committee' },
    });
    t.equal(created.statusCode, 201);
  }
  let now = await pending();
  for (const deadline = Date.now() + 10_000; JSON.stringify(now) !== JSON.stringify(nothingPending) && Date.now() < deadline; now = await pending()) await sleep(100);
  t.same(now, nothingPending, 'within seconds nothing is pending');
});

t.test('a role that does not own the indexes is told once, then its merges rest', async (t) => {
  const { url } = await fresh('not_owner');
  const owner = await openPostgresEngine(url, { poolMax: 1, log });
  await owner.close();
  const { client } = await inspector(url);
  // Tables made by the role that migrated, served by another (which may still create the migrator's schema).
  await client.query(`
    create role khabar_guest login;
    do $$ begin execute format('grant create on database %I to khabar_guest', current_database()); end $$;
    grant usage on schema public to khabar_guest;
    grant select, insert, update, delete on all tables in schema public to khabar_guest;
    grant usage on all sequences in schema public to khabar_guest;
    grant usage, create on schema drizzle to khabar_guest;
    grant select on all tables in schema drizzle to khabar_guest;
  `);
  const guestUrl = new URL(url);
  guestUrl.username = 'khabar_guest';
  const warned: string[] = [];
  const guest = await openPostgresEngine(guestUrl.href, { poolMax: 1, log: { ...log, warn: (message: string) => warned.push(message) } });
  t.teardown(() => guest.close());
  t.equal(await guest.upkeep!.step(), null, 'the first step is no failure to retry');
  t.match(warned, [/does not own 2 of the schema's GIN indexes/], 'it says at warn why it cannot merge them');
  t.equal(await guest.upkeep!.step(), null, 'the next step passes');
  t.equal(warned.length, 1, 'and does not say it again');
  t.same(await guest.writes.claim(mergePendingLists), { pages: 0, foreign: 2 }, "and merge nothing of what is not the role's");
});
