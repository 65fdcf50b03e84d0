import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import t from 'tap';
import { processToken, type ServerProcess, startServer } from '../server-process.js';

// CRASH_CYCLES=20 for a long run; each cycle starts the server, loads it, and SIGKILLs it mid-load.
const cycles = Number(process.env.CRASH_CYCLES ?? 3);
const workers = 8;
/**
 * Writes each cycle must see acknowledged before the kill. The kill waits for them (then a random moment more),
 * rather than a fixed time: on a machine busy with the rest of the suite, 0.7 s brought as few as 17.
 */
const minimumAcknowledged = 30;
/** How long a cycle may take to see them acknowledged: a server that cannot is failing, not slow. */
const acknowledgedWithinMs = 20_000;
/** The server was still answering when it was killed: its last acknowledgement came less than this before. */
const maximumQuietMs = 250;
t.setTimeout(Math.max(120_000, cycles * 20_000));

const authorised = { authorization: `Bearer ${processToken}`, 'content-type': 'application/json' };

interface Person {
  id: string;
  slug: string;
  name: string;
  position: string | null;
  version: number;
  affiliations: Array<{ organisation_id: string; role: string | null; acting: boolean | null }>;
}

/** What the client knows of one record: the last state the server acknowledged, and a write whose answer never came. */
interface Tracked {
  acknowledged: Person;
  unanswered: string | null;
}

/** What one cycle of load saw: the writes acknowledged, the requests in flight at the kill, and any answer the test did not expect. */
interface Cycle {
  acknowledged: number;
  inFlightAtKill: number;
  /** Milliseconds from the last acknowledgement to the kill. */
  quietAtKill: number;
  unexpected: string[];
}

/**
 * Creates people with 0–4 affiliations and renames their position, until the server dies under it. Every
 * answer must be the write's success status; before the kill no request may fail, after it only by a
 * connection error.
 */
async function load(server: ServerProcess, organisationIds: string[], cycle: number, tracked: Map<string, Tracked>): Promise<Cycle> {
  const seen: Cycle = { acknowledged: 0, inFlightAtKill: 0, quietAtKill: 0, unexpected: [] };
  let inFlight = 0;
  let lastAcknowledged = performance.now();
  let killed = false;
  /** The answer's body when its status is the expected one; null when the connection failed after the kill. */
  const send = async (path: string, method: string, input: object, expected: number): Promise<Person | null> => {
    inFlight++;
    try {
      const response = await fetch(`${server.url}${path}`, { method, headers: authorised, body: JSON.stringify(input) });
      if (response.status !== expected) {
        seen.unexpected.push(`${method} answered ${response.status}: ${await response.text()}`);
        return null;
      }
      const written = ((await response.json()) as { data: Person }).data;
      seen.acknowledged++;
      lastAcknowledged = performance.now();
      return written;
    } catch (error) {
      if (!killed) seen.unexpected.push(`${method} failed before the kill: ${(error as Error).message}`);
      return null;
    } finally {
      inFlight--;
    }
  };
  const worker = async (w: number) => {
    for (let i = 0; ; i++) {
      const n = (w + i) % 5;
      const affiliations = Array.from({ length: n }, (_, k) => ({ organisation_id: organisationIds[k % organisationIds.length]!, role: `دور ${k}`, acting: k % 2 === 0 }));
      const input = { slug: `عطل-${cycle}-${w}-${i}`, name: `عطل ${cycle} ${w} ${i} n=${n}`, affiliations };
      const created = await send('/v1/people', 'POST', input, 201);
      if (created === null) return;
      const record: Tracked = { acknowledged: created, unanswered: null };
      tracked.set(created.id, record);
      for (let k = 1; k <= 2; k++) {
        const position = `منصب ${k}`;
        record.unanswered = position;
        const patched = await send(`/v1/people/${created.id}`, 'PATCH', { position }, 200);
        if (patched === null) return;
        record.acknowledged = patched;
        record.unanswered = null;
      }
    }
  };
  const running = Array.from({ length: workers }, (_, w) => worker(w));
  const started = performance.now();
  while (seen.acknowledged < minimumAcknowledged && seen.unexpected.length === 0 && performance.now() - started < acknowledgedWithinMs) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 800)));
  seen.inFlightAtKill = inFlight;
  seen.quietAtKill = performance.now() - lastAcknowledged;
  killed = true;
  server.child.kill('SIGKILL');
  await Promise.all(running);
  await server.exited;
  return seen;
}

t.test(`SIGKILL mid-load, ${cycles} times: no acknowledged write lost, nothing half-written`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-crash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'khabar.db');
  // No rate limit and no overload check: the writers keep the server busy until the kill, and any answer
  // but the write's success is a failure of the test, not a limit doing its job.
  const env = { DATABASE_URL: `file:${file}`, RATE_LIMIT_WRITE_MAX: '0', RATE_LIMIT_MAX: '0', OVERLOAD_EVENT_LOOP_DELAY_MS: '0' };
  const tracked = new Map<string, Tracked>();
  let server = await startServer(env);
  t.teardown(() => server.stop());
  const organisations = (await (await fetch(`${server.url}/v1/organisations?limit=100`)).json()) as { data: Array<{ id: string }> };
  const organisationIds = organisations.data.map((organisation) => organisation.id);
  let writes = 0;
  const atKills: string[] = [];

  for (let cycle = 1; cycle <= cycles; cycle++) {
    const seen = await load(server, organisationIds, cycle, tracked);
    writes += seen.acknowledged;
    atKills.push(`${seen.inFlightAtKill} in flight, last answer ${Math.round(seen.quietAtKill)} ms before`);
    t.same(seen.unexpected, [], `cycle ${cycle}: every answer was the write's success; only the kill cut requests off`);
    t.ok(seen.acknowledged >= minimumAcknowledged, `cycle ${cycle}: ${seen.acknowledged} writes acknowledged before the kill (at least ${minimumAcknowledged})`);
    t.ok(seen.inFlightAtKill >= 1, `cycle ${cycle}: ${seen.inFlightAtKill} writes in flight at the kill`);
    t.ok(seen.quietAtKill < maximumQuietMs, `cycle ${cycle}: the last write was acknowledged ${Math.round(seen.quietAtKill)} ms before the kill (under ${maximumQuietMs})`);

    const db = new Sqlite(file);
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok', `cycle ${cycle}: integrity_check ok`);
    t.same(db.pragma('foreign_key_check'), [], `cycle ${cycle}: foreign keys consistent`);
    const incomplete = db
      .prepare(
        `select p.name, count(a.person_id) as stored from people p left join affiliations a on a.person_id = p.id
         where p.name like 'عطل %' group by p.id having stored != cast(substr(p.name, instr(p.name, 'n=') + 2) as integer)`,
      )
      .all();
    t.same(incomplete, [], `cycle ${cycle}: every person has exactly the affiliations it was written with`);
    db.close();

    server = await startServer(env);
    let lost = 0;
    for (const [id, record] of tracked) {
      const response = await fetch(`${server.url}/v1/people/${id}`);
      const stored = response.status === 200 ? ((await response.json()) as { data: Person }).data : null;
      const asAcknowledged = JSON.stringify(stored) === JSON.stringify(record.acknowledged);
      const asUnanswered =
        record.unanswered !== null &&
        stored?.position === record.unanswered &&
        stored.version === record.acknowledged.version + 1 &&
        JSON.stringify({ ...stored, position: null, version: 0, updated_at: '' }) === JSON.stringify({ ...record.acknowledged, position: null, version: 0, updated_at: '' });
      if (!asAcknowledged && !asUnanswered) lost++;
      else if (asUnanswered) record.acknowledged = stored!;
      record.unanswered = null;
    }
    t.equal(lost, 0, `cycle ${cycle}: all ${tracked.size} acknowledged people are stored exactly as acknowledged`);
  }
  t.comment(`figures: ${cycles} kills survived, ${writes} acknowledged writes (${tracked.size} people) checked after every restart; at the kills: ${atKills.join('; ')}`);
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
});
