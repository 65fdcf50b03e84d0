import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { databaseOf } from '../../src/core/db/handles.js';
import { executorOn } from '../../src/core/db/sqlite-write.js';
import { people } from '../../src/core/resources/people/table.js';
import { analyserVersion, indexedAnalyserVersion } from '../../src/core/search/analyser-version.js';
import { analyse } from '../../src/core/search/indexer.js';
import { body, build, sqliteOnly } from '../helper.js';
import { recordsSearchMisses, unindexedPerson } from './found-by-title.js';

const searchUrl = (q: string) => `/v1/search?q=${encodeURIComponent(q)}`;
/** The seed names العدواني in three records (the minister, his ministry's page and the report). */
const seededMatches = 3;
/** The seed's records: an article, two people, three organisations, a meeting. */
const seededRecords = 7;

function databaseFile(t: Test) {
  const directory = mkdtempSync(join(tmpdir(), 'khabar-analyser-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  return `file:${join(directory, 'khabar.db')}`;
}

t.test('a database whose index an older analyser wrote is reindexed at start', sqliteOnly("SQLite's user_version and FTS5 (PostgreSQL's: test/serving/prepare.test.ts)"), async (t) => {
  const databaseUrl = databaseFile(t);
  const first = await build(t, { databaseUrl });
  t.equal(await indexedAnalyserVersion(executorOn(databaseOf(first.services).sqlite)), analyserVersion, 'a new database records the analyser that wrote its index');
  // What an older khabar leaves behind: an index of other stems (here none) under an older version, and a record
  // the index never held.
  databaseOf(first.services).sqlite.exec(`delete from search_documents; insert into search_index (search_index) values ('delete-all'); pragma user_version = ${analyserVersion - 1}`);
  databaseOf(first.services).db.insert(people).values(unindexedPerson).run();
  t.same(body(await first.inject({ url: searchUrl('العدواني') })).data, [], 'the stale index finds nothing');
  await first.close();

  const second = await build(t, { databaseUrl });
  t.equal(body(await second.inject({ url: searchUrl('العدواني') })).data.length, seededMatches, 'the next start rebuilt it');
  t.same(
    await recordsSearchMisses(second, databaseOf(second.services).reader.$client),
    { checked: seededRecords + 1, missed: [] },
    'every record is found by the words of its title or name, the one written around the index too',
  );
  t.equal(await indexedAnalyserVersion(executorOn(databaseOf(second.services).sqlite)), analyserVersion, 'and recorded the analyser');
});

t.test('a current index is not rebuilt at start', sqliteOnly("SQLite's user_version and FTS5 (PostgreSQL's: test/serving/prepare.test.ts)"), async (t) => {
  const databaseUrl = databaseFile(t);
  const first = await build(t, { databaseUrl });
  databaseOf(first.services).sqlite.exec(`delete from search_documents; insert into search_index (search_index) values ('delete-all')`);
  await first.close();

  const second = await build(t, { databaseUrl });
  t.same(body(await second.inject({ url: searchUrl('العدواني') })).data, [], 'the emptied index stays empty: no rebuild at each start');
});

/**
 * A change detector, not an oracle: the digest of what this analyser writes for the seed document. When
 * normalisation, the word model or stemming changes it, bump `analyserVersion` (so existing databases are
 * reindexed at their next start) and record the new digest here.
 */
const analysedSeed = { version: 2, sha256: '88559eb5eba5e57d168ca8fd67f83de34530cf2ac69563b0f9d40c6c9011af68' };

t.test('the analyser output this version indexes has not changed under it', async (t) => {
  const text = readFileSync(new URL('../../seed/kuwait-saudi-interior-meeting.ar.txt', import.meta.url), 'utf8');
  const { words, stems } = analyse([{ path: 'body', text }]);
  const digest = createHash('sha256').update(words).update('\n').update(stems).digest('hex');
  t.equal(analyserVersion, analysedSeed.version, 'analyserVersion was bumped: record the digest of its output below');
  t.equal(digest, analysedSeed.sha256, `the analyser's output changed: bump analyserVersion and record its digest (${digest})`);
});
