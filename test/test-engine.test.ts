import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { engineUnder } from '../src/core/db/handles.js';
import type { App } from '../src/web/app.js';
import { auth, body, build } from './helper.js';
import { clusterOfProcess } from './postgres.js';

/*
 * The suite runs on the engine TEST_ENGINE names (README, "Two commands"): this file is in both runs of .ci/run, so a
 * helper that ignored the variable would fail it in the PostgreSQL run rather than quietly test SQLite twice.
 */

const wanted = process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** An organisation created through the API, which must answer 201. */
async function createOrganisation(t: Test, app: App, slug: string) {
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...auth, 'content-type': 'application/json' }, payload: { slug, name: slug, kind: 'committee' } });
  t.equal(created.statusCode, 201);
  return body<{ data: { slug: string } }>(created).data;
}

t.test(`build(t) serves from the engine TEST_ENGINE names (${wanted})`, async (t) => {
  const app = await build(t, { seed: 'never' });
  const created = await createOrganisation(t, app, 'لجنة-المحرك');
  const { reads } = engineUnder(app.services);
  // What the database itself says it is, and that the API's write is in it.
  const server =
    wanted === 'postgres'
      ? await reads.prepare(sql<{ version: string }>`select version() as version`).get()
      : await reads.prepare(sql<{ version: string }>`select 'SQLite ' || sqlite_version() as version`).get();
  t.match(server?.version, wanted === 'postgres' ? /^PostgreSQL \d+/ : /^SQLite 3\./, 'the database answering is the one named');
  const stored = await reads.prepare(sql<{ slug: string }>`select slug from organisations`).all();
  t.same(
    stored.map(({ slug }) => slug),
    [created.slug],
    'the write is stored there',
  );
});

t.test('a second build gets a database of its own', async (t) => {
  const [one, other] = [await build(t, { seed: 'never' }), await build(t, { seed: 'never' })];
  await createOrganisation(t, one, 'وحدها');
  t.match(body(await other.inject({ url: '/v1/organisations' })), { data: [], meta: { total: 0 } }, 'the other database is empty');
  t.equal(body<{ meta: { total: number } }>(await (await build(t)).inject({ url: '/v1/organisations' })).meta.total > 0, true, 'and a seeded one holds the seed');
});

t.test("on PostgreSQL, a test's database is dropped when its test ends", { skip: wanted === 'postgres' ? false : 'PostgreSQL only: SQLite in memory leaves nothing' }, async (t) => {
  let name = '';
  await t.test('a test with a database', async (t) => {
    const app = await build(t, { seed: 'never' });
    name = (await engineUnder(app.services).reads.prepare(sql<{ name: string }>`select current_database() as name`).get())!.name;
    t.match(name, /^test_\d+$/);
  });
  const { admin } = await clusterOfProcess();
  const left = await admin.query('select datname from pg_database where datname = $1', [name]);
  t.same(left.rows, [], `${name} is gone`);
});
