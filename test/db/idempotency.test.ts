import t from 'tap';
import { claimIdempotencyKey, completeIdempotencyKey, idempotencyKeys, releaseIdempotencyKey } from '../../src/core/db/idempotency.js';
import { type StatementExecutor, statement } from '../../src/core/db/statements.js';
import { engines } from '../engines.js';
import { aroundReads } from '../executors.js';

/*
 * The Idempotency-Key store (core/db/idempotency.ts), written once and run in each engine's write transaction. What
 * each claim should answer follows from the rules of docs/http.md: a key is the writer's; the same request with it
 * waits for or replays the first's response, another request with it is refused; keys are forgotten after their
 * time to live, unfinished claims sooner.
 */

const { onBoth } = engines(t);

const options = { ttlMs: 1_000, inFlightMs: 100 };
const request = { writer: 'editor', key: 'k1', fingerprint: 'POST /v1/people {a}' };
const response = { status: 201, headers: { location: '/v1/people/p1', 'content-type': 'application/json' }, body: '{"id":"p1"}' };
const keys = statement.select({ writer: idempotencyKeys.writer, key: idempotencyKeys.key, status: idempotencyKeys.status }).from(idempotencyKeys).orderBy(idempotencyKeys.writer, idempotencyKeys.key);

onBoth("claims, completions and releases in the engine's write transaction", async (t, engine) => {
  const claim = (given: typeof request, now: number) => engine.write((tx) => claimIdempotencyKey(tx, options, given, now));
  const stored = () => engine.statements.prepare(keys).all();

  await t.rejects(
    engine.write(async (tx) => {
      t.same(await claimIdempotencyKey(tx, options, request, 0), { outcome: 'claimed' }, 'claimed inside the transaction');
      throw new Error('undone');
    }),
    { message: 'undone' },
  );
  t.same(await stored(), [], 'a claim in a transaction that fails leaves no key');

  t.same(await claim(request, 0), { outcome: 'claimed' }, 'a new key is claimed');
  t.same(await claim(request, 10), { outcome: 'in_flight' }, 'the same request while the first runs is told to wait');
  t.same(await claim({ ...request, fingerprint: 'POST /v1/people {b}' }, 10), { outcome: 'reused' }, 'another request with the key is refused');
  t.same(await claim({ ...request, writer: 'other' }, 10), { outcome: 'claimed' }, "another writer's key of the same name is its own");

  await engine.write((tx) => completeIdempotencyKey(tx, request.writer, request.key, response));
  t.same(await claim(request, 500), { outcome: 'replay', response }, 'once complete, the same request replays the stored response, headers included');
  t.same(await claim({ ...request, fingerprint: 'x' }, 500), { outcome: 'reused' }, 'a completed key still refuses another request');

  t.same(await claim({ ...request, writer: 'other' }, 200), { outcome: 'claimed' }, 'an unfinished claim is forgotten after inFlightMs');
  t.same(await claim(request, 1_001), { outcome: 'claimed' }, 'a completed key is forgotten after ttlMs');

  await engine.write((tx) => releaseIdempotencyKey(tx, request.writer, request.key));
  t.same(await stored(), [], "the released key is gone (the other writer's unfinished claim of 200 went at 1,001's claim)");
  t.same(await claim(request, 1_002), { outcome: 'claimed' }, 'a released key can be claimed again');
});

onBoth('a key released between a claim’s insert and its read is claimed, not a server error', async (t, engine) => {
  await engine.write((tx) => claimIdempotencyKey(tx, options, request, 0));
  /** `tx`, on which the key's holder releases it just before the claim's first read, as at read committed. */
  const releasedBeforeRead = (tx: StatementExecutor): StatementExecutor => {
    let released = false;
    return aroundReads(tx, async (read) => {
      if (!released) await releaseIdempotencyKey(tx, request.writer, request.key);
      released = true;
      return read();
    });
  };
  t.same(await engine.write((tx) => claimIdempotencyKey(releasedBeforeRead(tx), options, request, 10)), { outcome: 'claimed' }, 'the freed key is claimed');
  t.same(await engine.statements.prepare(keys).all(), [{ writer: request.writer, key: request.key, status: null }], 'once, in flight');
});
