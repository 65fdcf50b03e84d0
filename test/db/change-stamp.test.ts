import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { changeStamp } from '../../src/core/db/change-stamp.js';
import { openDatabase } from '../../src/core/db/database.js';
import { createRepositories } from '../../src/core/resources/index.js';

t.test('the change stamp moves on a write by this connection and on a commit by another', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'khabar-stamp-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const url = `file:${join(directory, 'stamp.db')}`;
  const reader = openDatabase(url);
  const writer = openDatabase(url);
  t.teardown(() => {
    reader.close();
    writer.close();
  });
  const stamp = changeStamp(reader.db);
  const first = stamp();
  t.equal(stamp(), first, 'unchanged while nothing is written');
  createRepositories(reader.db).organisations.create({ slug: 'org', name: 'منظمة', kind: 'other', country: null, parent_id: null });
  const afterOwn = stamp();
  t.not(afterOwn, first, 'a write by this connection');
  createRepositories(writer.db).organisations.create({ slug: 'org-2', name: 'منظمة ٢', kind: 'other', country: null, parent_id: null });
  t.not(stamp(), afterOwn, 'a commit by another connection (another worker)');
});
