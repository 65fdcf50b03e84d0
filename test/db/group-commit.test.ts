import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { groupCommit, type WriteTiming } from '../../src/core/db/group-commit.js';
import { databaseOf } from '../../src/core/db/handles.js';
import { auth, body, build, recordStatements } from '../helper.js';

/** The same database file opened twice: the second connection sees only what the first has committed. */
function twoConnections(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-commit-'));
  const file = join(dir, 'khabar.db');
  // A batch's time no slow machine reaches: the writes a test queues together share one batch.
  const writer = openDatabase(`file:${file}`, { writeBatchMs: 10_000 });
  const reader = openDatabase(`file:${file}`);
  t.teardown(() => {
    writer.close();
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });
  writer.sqlite.exec('create table notes (text text not null)');
  const insert = writer.sqlite.prepare('insert into notes (text) values (?)');
  const stored = () => reader.sqlite.prepare('select text from notes order by rowid').pluck().all();
  return { writer, insert, stored, file };
}

/**
 * Another process that takes the file's write lock, writes `elsewhere` into `table` (a column `text`) and commits
 * after `ms`; resolves once it holds the lock, with a promise of its exit (wrapped: a promise resolved with a promise would wait for it).
 */
async function lockHeldElsewhere(t: Test, file: string, table: string, ms: number) {
  const script = `const db = new (require('better-sqlite3'))(${JSON.stringify(file)});
    db.prepare('begin immediate').run();
    db.prepare("insert into ${table} (text) values ('elsewhere')").run();
    console.log('held');
    setTimeout(() => { db.prepare('commit').run(); db.close(); }, ${ms});`;
  const holder = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => holder.kill());
  const exited = once(holder, 'exit');
  await once(holder.stdout, 'data');
  return { exited };
}

/** Counts the turns of the event loop's timers while `work` runs: none would run while the thread slept in SQLite's busy handler. */
async function timerTurnsDuring<T>(work: Promise<T>): Promise<{ turns: number; outcome: PromiseSettledResult<T> }> {
  let turns = 0;
  const ticker = setInterval(() => turns++, 10);
  const [outcome] = await Promise.allSettled([work]);
  clearInterval(ticker);
  return { turns, outcome: outcome! };
}

t.test('writes queued in one turn of the event loop commit together, each seeing the ones before it', async (t) => {
  const { writer, insert, stored } = twoConnections(t);
  const seenDuringSecond: unknown[] = [];
  const first = writer.writes.run(() => insert.run('first').changes);
  const second = writer.writes.run(() => {
    seenDuringSecond.push(writer.sqlite.prepare('select count(*) from notes').pluck().get(), stored().length);
    return insert.run('second').changes;
  });
  t.same(stored(), [], 'nothing is written before the turn ends');
  t.same(await Promise.all([first, second]), [1, 1], 'each write resolves with its own result');
  t.same(seenDuringSecond, [1, 0], 'the second write saw the first, another connection did not: one transaction');
  t.same(stored(), ['first', 'second'], 'both are stored once the promises settle');
});

t.test('a batch holds at most maxBatch writes; the rest commit in the next turn', async (t) => {
  const { writer, insert, stored } = twoConnections(t);
  const writes = groupCommit(writer.sqlite, { maxBatch: 2 });
  const committedBefore: number[] = [];
  const write = (text: string) =>
    writes.run(() => {
      committedBefore.push(stored().length);
      return insert.run(text).changes;
    });
  t.same(await Promise.all([write('a'), write('b'), write('c')]), [1, 1, 1]);
  t.same(committedBefore, [0, 0, 2], 'the third write ran after the first two had committed');
  t.same(stored(), ['a', 'b', 'c']);
});

/** Work of about `ms` on the thread, as a write's CPU. */
const busy = (ms: number) => {
  for (const until = performance.now() + ms; performance.now() < until; );
};

t.test('a batch starts no further write once it has held the write lock batchMs; the rest go first in the next batch', async (t) => {
  const { writer, insert, stored } = twoConnections(t);
  const writes = groupCommit(writer.sqlite, { batchMs: 20 });
  const batches: number[] = [];
  const write = (text: string) =>
    writes.run(
      () => {
        busy(12);
        return insert.run(text).changes;
      },
      (timing) => batches.push(timing.batch),
    );
  const burst = ['a', 'b', 'c', 'd', 'e'].map(write);
  // Queued while the first batch runs (it lets the loop turn before its commit): after the writes it left out.
  const later = new Promise((resolve) => setImmediate(resolve)).then(() => write('f'));
  t.same(await Promise.all([...burst, later]), [1, 1, 1, 1, 1, 1], 'every write stored');
  t.same(stored(), ['a', 'b', 'c', 'd', 'e', 'f'], 'in the order they were queued');
  t.equal(batches.length, 6);
  // Two writes of 12 ms have run past the 20 ms: no batch starts a third.
  t.ok(
    batches.every((size) => size <= 2),
    `batches of ${batches.join(', ')}`,
  );
});

t.test('a write that throws rolls back only itself and rejects only its own promise', async (t) => {
  const { writer, insert, stored } = twoConnections(t);
  const results = await Promise.allSettled([
    writer.writes.run(() => insert.run('kept')),
    writer.writes.run(() => {
      insert.run('undone');
      throw new Error('refused');
    }),
    writer.writes.run(() => insert.run('also kept')),
  ]);
  t.same(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.equal((results[1] as PromiseRejectedResult).reason.message, 'refused');
  t.same(stored(), ['kept', 'also kept'], "the failed write's row is gone, the others are stored");
});

t.test('after a write that throws, the writes started before it run again, each in a savepoint; the rest go to the next batch', async (t) => {
  const { writer, insert, stored } = twoConnections(t);
  const runs: Record<string, number> = {};
  const batches: Record<string, number> = {};
  const write = (text: string, fail = false) =>
    writer.writes.run(
      () => {
        runs[text] = (runs[text] ?? 0) + 1;
        insert.run(text);
        if (fail) throw new Error('refused');
      },
      (timing) => {
        batches[text] = timing.batch;
      },
    );
  const results = await Promise.allSettled([write('a'), write('b', true), write('c'), write('d')]);
  t.same(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  t.same(stored(), ['a', 'c', 'd']);
  t.same(runs, { a: 2, b: 2, c: 1, d: 1 }, 'the two started run twice, the rest once');
  t.same(batches, { a: 2, b: 2, c: 2, d: 2 }, 'the retry holds the two; the next batch the rest');
});

t.test('when the retry itself fails, only the writes it ran are rejected; the rest commit in the next batch', async (t) => {
  const { writer, insert, stored } = twoConnections(t);
  let tries = 0;
  const results = await Promise.allSettled([
    writer.writes.run(() => insert.run('lost with the retry')),
    writer.writes.run(() => {
      tries += 1;
      // Refused in the batch's first run; in the retry it ends the transaction itself.
      if (tries === 1) throw new Error('refused');
      writer.sqlite.exec('rollback');
    }),
    writer.writes.run(() => insert.run('next batch')),
    writer.writes.run(() => insert.run('next batch too')),
  ]);
  t.same(
    results.map((result) => result.status),
    ['rejected', 'rejected', 'fulfilled', 'fulfilled'],
    'the two the retry ran are rejected, the two it never started are not',
  );
  t.same(stored(), ['next batch', 'next batch too'], 'and those two are stored');
});

t.test('when the transaction itself fails, every write of the batch is rejected and nothing is stored', async (t) => {
  const { writer, insert, stored } = twoConnections(t);
  const results = await Promise.allSettled([
    writer.writes.run(() => insert.run('lost with the batch')),
    writer.writes.run(() => writer.sqlite.exec('rollback')),
    writer.writes.run(() => insert.run('never run')),
  ]);
  t.same(
    results.map((result) => result.status),
    ['rejected', 'rejected', 'rejected'],
  );
  t.same(stored(), []);
  t.equal(writer.sqlite.inTransaction, false, 'the connection is usable again');
  t.same(await writer.writes.run(() => insert.run('later').changes), 1);
  t.same(stored(), ['later']);
});

t.test('concurrent API writes: a failing one does not take the others with it', async (t) => {
  const app = await build(t);
  const json = { ...auth, 'content-type': 'application/json' };
  const post = (slug: string) => app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug, name: `منظمة ${slug}`, kind: 'agency' } });
  const responses = await Promise.all([post('منظمة-أ'), post('منظمة-ب'), post('منظمة-أ'), post('منظمة-ج')]);
  t.same(
    responses.map((response) => response.statusCode),
    [201, 201, 409, 201],
  );
  t.equal(body(responses[2]!).code, 'slug_taken');
  const slugs = databaseOf(app.services).sqlite.prepare("select slug from organisations where slug like 'منظمة-%' order by slug").pluck().all();
  t.same(slugs, ['منظمة-أ', 'منظمة-ب', 'منظمة-ج']);
});

t.test('concurrent article writes share one transaction with no savepoint, so the search index flushes once', async (t) => {
  // FTS5 writes its pending terms out as a new segment at every savepoint, a statement's own included (one
  // with RETURNING takes one): a savepoint per write cost each article an index segment of its own.
  // A batch's time no slow machine reaches: the three writes share one batch.
  const app = await build(t, { writeBatchMs: 10_000 });
  const json = { ...auth, 'content-type': 'application/json' };
  const post = (slug: string) =>
    app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: { slug, title: `خبر ${slug}`, language: 'ar', body: [{ type: 'paragraph', text: 'التقى العدواني بالوفد.' }] } });
  const sourcesDuring = async (action: () => Promise<void>) => (await recordStatements(app, action)).map((call) => call.source);
  const sources = await sourcesDuring(async () => {
    const responses = await Promise.all(['أ', 'ب', 'ج'].map((slug) => post(`خبر-${slug}`)));
    t.same(
      responses.map((response) => response.statusCode),
      [201, 201, 201],
    );
  });
  t.equal(sources.filter((source) => /^BEGIN/i.test(source)).length, 1, 'one transaction');
  t.same(
    sources.filter((source) => /^(SAVEPOINT|RELEASE)\b/i.test(source)),
    [],
    'no savepoint',
  );
  t.same(
    sources.filter((source) => /\breturning\b/i.test(source)),
    [],
    'no statement with RETURNING',
  );

  const failing = await sourcesDuring(async () => {
    const responses = await Promise.all([post('خبر-د'), post('خبر-أ'), post('خبر-ه')]);
    t.same(
      responses.map((response) => response.statusCode),
      [201, 409, 201],
      'a failed write answers alone',
    );
  });
  t.ok(
    failing.some((source) => /^SAVEPOINT\b/i.test(source)),
    'a batch with a failed write runs again with savepoints',
  );
  const stored = databaseOf(app.services).sqlite.prepare("select count(*) from articles where slug in ('خبر-د', 'خبر-ه')").pluck().get();
  t.equal(stored, 2, 'its other writes are stored once');
});

t.test("each write learns where its time went: its wait, its batch's transaction, the commit; the API says it in Server-Timing", async (t) => {
  const { writer, insert } = twoConnections(t);
  const timings: WriteTiming[] = [];
  await Promise.all([
    writer.writes.run(
      () => {
        busy(30);
        return insert.run('slow');
      },
      (timing) => timings.push(timing),
    ),
    writer.writes.run(
      () => insert.run('quick'),
      (timing) => timings.push(timing),
    ),
  ]);
  t.equal(timings.length, 2);
  for (const timing of timings) {
    t.equal(timing.batch, 2, 'both in one batch');
    t.ok(timing.transaction >= 30, `the batch's transaction took the slow write's 30 ms and more (${timing.transaction.toFixed(1)})`);
    t.ok(timing.queue >= 0 && timing.commit >= 0 && timing.transaction + timing.commit < 1000, 'no negative or absurd figure');
  }

  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...auth, 'content-type': 'application/json' }, payload: { slug: 'لجنة', name: 'لجنة', kind: 'committee' } });
  t.equal(created.statusCode, 201);
  t.match(created.headers['server-timing'], /^queue;dur=\d+\.\d\d, transaction;dur=\d+\.\d\d;desc="1 writes", commit;dur=\d+\.\d\d$/);
});

t.test("a batch awaits another process's write lock with the event loop free, then commits after that process's write", async (t) => {
  const { writer, insert, stored, file } = twoConnections(t);
  const { exited } = await lockHeldElsewhere(t, file, 'notes', 300);
  const { turns, outcome } = await timerTurnsDuring(writer.writes.run(() => insert.run('here').changes));
  t.same(outcome, { status: 'fulfilled', value: 1 });
  t.ok(turns >= 5, `timers ran while the write waited for the lock (${turns} turns in about 300 ms)`);
  t.same(stored(), ['elsewhere', 'here'], "the write ran after the other process's commit");
  t.equal(writer.sqlite.pragma('busy_timeout', { simple: true }), 5_000, 'the connection waits in the busy handler again after BEGIN');
  await exited;
});

t.test('a batch that cannot take the write lock within lockWaitMs fails as overloaded, storing nothing; the next commits', async (t) => {
  const { writer, insert, stored, file } = twoConnections(t);
  const writes = groupCommit(writer.sqlite, { lockWaitMs: 100 });
  const { exited } = await lockHeldElsewhere(t, file, 'notes', 1_000);
  const { turns, outcome } = await timerTurnsDuring(Promise.all([writes.run(() => insert.run('lost')), writes.run(() => insert.run('lost too'))]));
  t.equal(outcome.status, 'rejected');
  t.match(outcome.status === 'rejected' && outcome.reason, { code: 'overloaded' }, 'the batch failed as overloaded');
  t.ok(turns >= 3, `timers ran while the batch waited (${turns} turns)`);
  t.equal(writer.sqlite.pragma('busy_timeout', { simple: true }), 5_000, 'after a refused BEGIN too');
  await exited;
  t.equal(await writes.run(() => insert.run('later').changes), 1);
  t.same(stored(), ['elsewhere', 'later'], 'nothing of the failed batch is stored');
});

t.test("a write refused for another process's long write lock answers 503 with Retry-After, and reads are served meanwhile", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'khabar.db');
  const app = await build(t, { databaseUrl: `file:${file}` });
  databaseOf(app.services).sqlite.exec('create table held (text text)');
  const { exited } = await lockHeldElsewhere(t, file, 'held', 5_600);
  const write = app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...auth, 'content-type': 'application/json' }, payload: { slug: 'لجنة-الانتظار', name: 'لجنة', kind: 'committee' } });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const read = await app.inject({ method: 'GET', url: '/v1/organisations?limit=1' });
  t.equal(read.statusCode, 200, 'a read is answered while the write waits');
  const refused = await write;
  t.equal(refused.statusCode, 503);
  t.equal(refused.headers['retry-after'], '1');
  t.match(refused.headers['content-type'], /^application\/problem\+json/);
  t.match(body(refused), { status: 503, code: 'overloaded' });
  await exited;
  const found = await app.inject({ method: 'GET', url: '/v1/organisations/لجنة-الانتظار', headers: auth });
  t.equal(found.statusCode, 404, 'the refused write stored nothing');
});

t.test('a write queued behind a batch that waits for the lock gives up lockWaitMs after it was queued, not after that batch', async (t) => {
  const { writer, insert, file } = twoConnections(t);
  const writes = groupCommit(writer.sqlite, { lockWaitMs: 1_000 });
  const { exited } = await lockHeldElsewhere(t, file, 'notes', 3_000);
  const first = writes.run(() => insert.run('first'));
  await sleep(500);
  const queuedAt = performance.now();
  const second = writes.run(() => insert.run('second'));
  const [one, two] = await Promise.allSettled([first, second]);
  const waited = performance.now() - queuedAt;
  t.match(
    [one, two],
    [
      { status: 'rejected', reason: { code: 'overloaded' } },
      { status: 'rejected', reason: { code: 'overloaded' } },
    ],
  );
  t.ok(waited < 1_400, `the second write gave up ${waited.toFixed(0)} ms after it was queued (1,000 allowed; 1,500 if its wait began with its batch)`);
  await exited;
});

t.test('a lone write that fails reports no negative figure of where its time went', async (t) => {
  const { writer } = twoConnections(t);
  const timings: WriteTiming[] = [];
  await t.rejects(
    writer.writes.run(
      () => {
        throw new Error('refused');
      },
      (timing) => timings.push(timing),
    ),
  );
  t.equal(timings.length, 1);
  t.ok(timings[0]!.transaction >= 0 && timings[0]!.commit >= 0 && timings[0]!.queue >= 0, JSON.stringify(timings[0]));
});
