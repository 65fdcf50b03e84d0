import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { groupCommit, type WriteTiming } from '../../src/core/db/group-commit.js';
import { databaseOf } from '../../src/core/db/handles.js';
import { auth, body, build, recordStatements } from '../helper.js';

/** The same database file opened twice: the second connection sees only what the first has committed. */
function twoConnections(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-commit-'));
  const writer = openDatabase(`file:${join(dir, 'khabar.db')}`);
  const reader = openDatabase(`file:${join(dir, 'khabar.db')}`);
  t.teardown(() => {
    writer.close();
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });
  writer.sqlite.exec('create table notes (text text not null)');
  const insert = writer.sqlite.prepare('insert into notes (text) values (?)');
  const stored = () => reader.sqlite.prepare('select text from notes order by rowid').pluck().all();
  return { writer, insert, stored };
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
  const writes = groupCommit(writer.sqlite, 2);
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
  const app = await build(t);
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
  const busy = (ms: number) => {
    for (const until = performance.now() + ms; performance.now() < until; );
  };
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
