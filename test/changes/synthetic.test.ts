import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { sqliteLoading } from '../../src/core/seed/sqlite-loading.js';
import { loadSyntheticData, postLoadSteps } from '../../src/core/seed/synthetic.js';
import { sqliteOnly } from '../helper.js';

t.test('the synthetic data set has a created event per record, numbered without gaps', sqliteOnly('loads a SQLite database itself (both engines: test/seed/synthetic-engines.test.ts)'), async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  const size = { articles: 30, people: 12, organisations: 9, meetings: 5 };
  await loadSyntheticData(
    sqliteLoading(database),
    { ...size, seed: 3 },
    postLoadSteps.filter((step) => step.name === 'changes'),
  );
  const events = database.sqlite.prepare('select seq, resource, record_id, action, version, at from changes order by seq').all() as Array<{
    seq: number;
    resource: string;
    record_id: string;
    action: string;
    version: number;
    at: string;
  }>;
  t.same(
    events.map((event) => event.seq),
    Array.from({ length: events.length }, (_, i) => i + 1),
  );
  for (const [resource, count] of Object.entries(size)) {
    const records = database.sqlite.prepare(`select id, version, created_at from ${resource}`).all() as Array<{ id: string; version: number; created_at: string }>;
    const own = events.filter((event) => event.resource === resource);
    t.equal(records.length, count);
    t.same(
      own.map((event) => [event.record_id, event.action, event.version, event.at]).sort(),
      records.map((record) => [record.id, 'created', record.version, record.created_at]).sort(),
      `${resource}: one created event per record, at its creation time`,
    );
  }
});
