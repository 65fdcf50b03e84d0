import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import t from 'tap';
import { processToken, startServer, type ServerProcess } from '../server-process.js';

// CRASH_CYCLES=20 for a long run; each cycle starts the server, loads it, and SIGKILLs it mid-load.
const cycles = Number(process.env.CRASH_CYCLES ?? 3);
const workers = 8;
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

/** Creates people with 0–4 affiliations and renames their position, until the server dies under it. */
async function load(server: ServerProcess, organisationIds: string[], cycle: number, tracked: Map<string, Tracked>) {
  let acknowledged = 0;
  const worker = async (w: number) => {
    for (let i = 0; ; i++) {
      const n = (w + i) % 5;
      const affiliations = Array.from({ length: n }, (_, k) => ({ organisation_id: organisationIds[k % organisationIds.length]!, role: `دور ${k}`, acting: k % 2 === 0 }));
      const input = { slug: `عطل-${cycle}-${w}-${i}`, name: `عطل ${cycle} ${w} ${i} n=${n}`, affiliations };
      let created: Person;
      try {
        const response = await fetch(`${server.url}/v1/people`, { method: 'POST', headers: authorised, body: JSON.stringify(input) });
        if (response.status !== 201) throw new Error(`create answered ${response.status}`);
        created = ((await response.json()) as { data: Person }).data;
      } catch {
        return;
      }
      acknowledged++;
      const record: Tracked = { acknowledged: created, unanswered: null };
      tracked.set(created.id, record);
      for (let k = 1; k <= 2; k++) {
        const position = `منصب ${k}`;
        record.unanswered = position;
        try {
          const response = await fetch(`${server.url}/v1/people/${created.id}`, { method: 'PATCH', headers: authorised, body: JSON.stringify({ position }) });
          if (response.status !== 200) throw new Error(`patch answered ${response.status}`);
          record.acknowledged = ((await response.json()) as { data: Person }).data;
          record.unanswered = null;
          acknowledged++;
        } catch {
          return;
        }
      }
    }
  };
  const running = Array.from({ length: workers }, (_, w) => worker(w));
  await new Promise((resolve) => setTimeout(resolve, 700 + Math.floor(Math.random() * 800)));
  server.child.kill('SIGKILL');
  await Promise.all(running);
  await server.exited;
  return acknowledged;
}

t.test(`SIGKILL mid-load, ${cycles} times: no acknowledged write lost, nothing half-written`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-crash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'khabar.db');
  const env = { DATABASE_URL: `file:${file}` };
  const tracked = new Map<string, Tracked>();
  let server = await startServer(env);
  t.teardown(() => server.child.kill('SIGKILL'));
  const organisations = (await (await fetch(`${server.url}/v1/organisations?limit=100`)).json()) as { data: Array<{ id: string }> };
  const organisationIds = organisations.data.map((organisation) => organisation.id);
  let writes = 0;

  for (let cycle = 1; cycle <= cycles; cycle++) {
    writes += await load(server, organisationIds, cycle, tracked);

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
  t.comment(`figures: ${cycles} kills survived, ${writes} acknowledged writes (${tracked.size} people) checked after every restart`);
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
});
