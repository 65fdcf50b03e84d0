import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import t from 'tap';
import { brokenConstraint, problemOf } from '../../src/core/db/constraints.js';
import type { Postgres } from '../../src/core/db/postgres.js';
import { checkoutTimedOut, takeConnection } from '../../src/core/db/postgres-connect.js';
import { createReadRouter } from '../../src/core/db/postgres-read-routing.js';
import { webhooks as postgresWebhooks } from '../../src/core/db/postgres-tables.js';
import { postgresWrite, type WriteRetries } from '../../src/core/db/postgres-write.js';
import { statement } from '../../src/core/db/statements.js';
import { KhabarError } from '../../src/core/errors.js';
import { people } from '../../src/core/resources/people/table.js';
import { webhooks } from '../../src/core/webhooks/table.js';
import { engines } from '../engines.js';
import { startTcpProxy } from '../tcp-proxy.js';

/*
 * PostgreSQL's write transaction (src/core/db/postgres-write.ts) on a real cluster: a serialisation failure and a
 * deadlock retried until the write succeeds, the attempts bounded, and each broken constraint reported with the
 * problem code SQLite's path gives for the same rows (src/core/db/constraints.ts).
 */

const { onBoth, onPostgres } = engines(t);

const person = (id: string): typeof people.$inferInsert => ({ id, slug: id, name: 'n', aliases: [], version: 1, created_at: 'a', updated_at: 'a' });
const hook = (id: string): typeof webhooks.$inferInsert => ({ id, url: 'https://hooks.example/x', secret: 's', resources: ['people'], actions: ['created'], created_at: 'a', updated_at: 'a' });
const urlOf = statement
  .select({ url: webhooks.url })
  .from(webhooks)
  .where(eq(webhooks.id, sql.placeholder('id')));
const setUrl = sql`update ${webhooks} set url = ${sql.placeholder('url')} where ${webhooks.id} = ${sql.placeholder('id')}`;
const noWait: WriteRetries = { attempts: 5, baseDelayMs: 1, random: () => 0.5 };

/** Webhook rows with these ids, written through PostgreSQL's own Drizzle table. */
async function engineRows(postgres: Postgres, ids: string[]) {
  await postgres.db.insert(postgresWebhooks).values(ids.map(hook));
}

/** A promise and its resolve, to hold one transaction at a point until another has passed one. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

onBoth('each broken constraint is named alike on both engines, and PostgreSQL’s write throws its problem code', async (t, engine) => {
  await engine.insert(webhooks, [hook('h1')]);
  await engine.insert(people, [person('p1')]);
  const cases = [
    { kind: 'unique', code: 'slug_taken', write: sql`insert into ${people} (id, slug, name, aliases, version, created_at, updated_at) values ('p2', 'p1', 'n', '[]', 1, 'a', 'a')` },
    // A key the server gives, not the client: a fault of the server's, thrown as the engine's error.
    { kind: 'unique', code: null, write: sql`insert into ${webhooks} (id, url, secret, resources, actions, created_at, updated_at) values ('h1', 'u', 's', '[]', '[]', 'a', 'a')` },
    {
      kind: 'foreign_key',
      code: 'unknown_reference',
      write: sql`insert into webhook_deliveries (webhook_id, seq, status, attempts) values ('nobody', 1, 'pending', 0)`,
    },
    {
      kind: 'check',
      code: 'validation_failed',
      write: sql`insert into mentions (article_id, part, start, "end", text, person_id, origin) values ('a', 'title', 5, 2, 'x', 'p', 'auto')`,
    },
    {
      kind: 'check',
      code: 'validation_failed',
      write: sql`insert into ${webhooks} (id, url, secret, resources, actions, created_at, updated_at) values ('h2', null, 's', '[]', '[]', 'a', 'a')`,
    },
  ] as const;
  const failureOf = (written: Promise<unknown>) =>
    written.then(
      () => null,
      (failure: unknown) => failure,
    );
  for (const { kind, code, write } of cases) {
    const what = `${kind}${code ? `: ${code}` : ' on a key the server gives'}`;
    if (engine.postgres !== null) {
      // An earlier statement of the same transaction is rolled back with it.
      const error = await failureOf(
        postgresWrite(engine.postgres.pool, async (tx) => {
          await tx.prepare(setUrl).run({ url: 'changed', id: 'h1' });
          await tx.prepare(write).run();
        }),
      );
      t.equal(error instanceof KhabarError ? error.code : null, code, `${what}: thrown by the write`);
      t.equal(brokenConstraint(error), code === null ? kind : null, code === null ? "the engine's own error" : 'a problem, not the engine’s error');
    } else {
      const error = await failureOf(engine.statements.prepare(write).run());
      t.equal(brokenConstraint(error), kind, `${kind} on SQLite`);
      const problem = problemOf(error);
      t.equal(problem instanceof KhabarError ? problem.code : null, code, `${what}: reported so`);
    }
    t.strictSame(await engine.statements.prepare(urlOf).get({ id: 'h1' }), { url: 'https://hooks.example/x' }, 'nothing of the write stays');
  }
  t.equal(brokenConstraint(new Error('not a constraint')), null, 'another error is no constraint');
});

onPostgres('a serialisation failure is rolled back and the write runs again, seeing the other write', async (t, { postgres }) => {
  await engineRows(postgres, ['h1']);
  await postgres.pool.query("update webhooks set url = 'a'");
  const firstRead = gate();
  const otherCommitted = gate();
  let attempts = 0;
  // Appends to the url it read: a lost update unless the second reader runs again after the first commits.
  const appending = (suffix: string, pause?: () => Promise<void>) =>
    postgresWrite(
      postgres.pool,
      async (tx) => {
        attempts += 1;
        const { url } = (await tx.prepare(urlOf).get({ id: 'h1' }))!;
        await pause?.();
        await tx.prepare(setUrl).run({ url: url + suffix, id: 'h1' });
        return url;
      },
      { retries: noWait, appendsChanges: false },
    );
  const slow = appending('b', async () => {
    firstRead.open();
    await otherCommitted.opened;
  });
  await firstRead.opened;
  await appending('c');
  otherCommitted.open();
  t.equal(await slow, 'ac', 'the retried write read the committed one');
  t.equal(attempts, 3, 'one write ran once, the other twice');
  t.strictSame((await postgres.pool.query('select url from webhooks')).rows, [{ url: 'acb' }], 'both appends are kept');
});

onPostgres('a deadlock is rolled back and the loser runs again', async (t, { postgres }) => {
  const append = sql`update ${webhooks} set url = url || ${sql.placeholder('by')} where ${webhooks.id} = ${sql.placeholder('id')}`;
  // Each locks one row, waits until the other holds its own, then asks for the other's: one of them must give way.
  const crossingWrites = async (retries: WriteRetries) => {
    const locked = [gate(), gate()] as const;
    let attempts = 0;
    const crossing = (mine: 0 | 1) =>
      postgresWrite(
        postgres.pool,
        async (tx) => {
          attempts += 1;
          const [own, other] = mine === 0 ? ['h1', 'h2'] : ['h2', 'h1'];
          await tx.prepare(append).run({ by: own, id: own });
          locked[mine].open();
          await locked[1 - mine]!.opened;
          await tx.prepare(append).run({ by: own, id: other });
        },
        { retries, appendsChanges: false },
      );
    const outcomes = await Promise.allSettled([crossing(0), crossing(1)]);
    return { attempts, outcomes };
  };
  await engineRows(postgres, ['h1', 'h2']);
  const once = await crossingWrites({ ...noWait, attempts: 1 });
  t.strictSame(
    once.outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as { code: string }).code : 'committed')).sort(),
    ['40P01', 'committed'],
    'without retries, PostgreSQL breaks the deadlock by failing one',
  );
  await postgres.pool.query("update webhooks set url = ''");
  const retried = await crossingWrites(noWait);
  t.strictSame(
    retried.outcomes.map(({ status }) => status),
    ['fulfilled', 'fulfilled'],
    'with retries, both commit',
  );
  // At least once more: its rerun can also meet the winner's commit (a serialisation failure, when the rerun's
  // snapshot was taken before that commit) and run a third time, as a busy machine's timing decides.
  t.ok(retried.attempts >= 3 && retried.attempts <= noWait.attempts + 1, `the one that gave way ran again (${retried.attempts} attempts in all)`);
  const { rows } = await postgres.pool.query<{ url: string }>('select url from webhooks order by id');
  t.strictSame(
    rows.map(({ url }) => url.match(/h\d/g)?.sort()),
    [
      ['h1', 'h2'],
      ['h1', 'h2'],
    ],
    'each row has both writes, once each',
  );
});

onPostgres('the attempts are bounded: the last failure is thrown, and no connection is kept', async (t, { postgres }) => {
  let attempts = 0;
  const failing = postgresWrite(
    postgres.pool,
    async () => {
      attempts += 1;
      await postgres.pool.query('select 1');
      throw Object.assign(new Error('could not serialize access'), { code: '40001' });
    },
    { retries: { attempts: 3, baseDelayMs: 1, random: () => 1 } },
  );
  await t.rejects(failing, { code: '40001' });
  t.equal(attempts, 3, 'run three times, no more');
  await t.rejects(
    postgresWrite(postgres.pool, async () => {
      attempts += 1;
      throw new Error('not retried');
    }),
    { message: 'not retried' },
  );
  t.equal(attempts, 4, 'another error is thrown at the first attempt');
  t.equal(postgres.pool.totalCount - postgres.pool.idleCount, 0, 'every connection went back to the pool');
});

onPostgres('a write that waits past lock_timeout for the feed’s lock is refused as overloaded, and holds no connection', async (t, { postgres }) => {
  const holder = await postgres.pool.connect();
  await holder.query('begin; lock table changes_counter in exclusive mode');
  const impatient = new pg.Pool({ connectionString: postgres.pool.options.connectionString, max: 1, lock_timeout: 100 });
  t.teardown(() => impatient.end());
  let ran = false;
  await t.rejects(
    postgresWrite(impatient, async () => {
      ran = true;
    }),
    { code: 'overloaded' },
  );
  t.notOk(ran, 'the body never ran');
  t.equal(impatient.totalCount - impatient.idleCount, 0, 'its connection went back to the pool');
  await holder.query('rollback');
  holder.release();
  await postgresWrite(impatient, async () => {
    ran = true;
  });
  t.ok(ran, 'once the lock is free the write runs');
});

onPostgres('a write or a read that finds every pooled connection taken for the whole connection timeout is refused as overloaded, not failed', async (t, { postgres }) => {
  const full = new pg.Pool({ connectionString: postgres.pool.options.connectionString, max: 1, connectionTimeoutMillis: 200 });
  t.teardown(() => full.end());
  const router = createReadRouter({ primary: full, replica: null, log: { lost() {}, restored() {} } });
  const read = () => router.read(null, async (client) => (await client.query('select 1 as one')).rows[0]);
  const taken = await full.connect();
  let ran = false;
  await t.rejects(
    postgresWrite(full, async () => {
      ran = true;
    }),
    { code: 'overloaded' },
    'the write',
  );
  t.notOk(ran, 'the write never ran');
  await t.rejects(read(), { code: 'overloaded' }, 'the read on the primary');
  taken.release();
  t.same(await read(), { one: 1 }, 'once a connection is free the read is answered');
  await postgresWrite(full, async () => {
    ran = true;
  });
  t.ok(ran, 'and the write runs');
});

onPostgres("pg-pool's checkout timeout is told from a connection's own: the first is overloaded, the second the server's failure", async (t, { postgres }) => {
  const url = String(postgres.pool.options.connectionString);
  const full = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 100 });
  t.teardown(() => full.end());
  const taken = await full.connect();
  const checkout: unknown = await full.connect().then(
    () => null,
    (error: unknown) => error,
  );
  taken.release();
  t.ok(checkoutTimedOut(checkout), `pg-pool words its checkout timeout as postgres-connect.ts matches it (it said: ${String(checkout)}); if not, match its new text`);

  // A server that accepts the connection and never answers: the connection itself times out.
  const proxy = await startTcpProxy(t, url);
  proxy.silent = true;
  const silent = new pg.Pool({ connectionString: proxy.through(url), max: 1, connectionTimeoutMillis: 100 });
  t.teardown(() => silent.end());
  const connecting: unknown = await takeConnection(silent).then(
    () => null,
    (error: unknown) => error,
  );
  t.match(connecting, { message: /timeout/ }, 'a connection that timed out while connecting fails');
  t.notOk(checkoutTimedOut(connecting), 'and is not a checkout timeout');
  t.notOk(connecting instanceof KhabarError, 'nor overloaded: the server cannot be reached');
});
