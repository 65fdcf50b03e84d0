import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { databaseOf } from '../../src/core/db/handles.js';
import { sqliteLoading } from '../../src/core/seed/sqlite-loading.js';
import { loadSyntheticData } from '../../src/core/seed/synthetic.js';
import { auth, build, sqliteOnly } from '../helper.js';

/**
 * The time budget of a request without a token: at the benchmark's data set (100,000 articles) plus five
 * imported reports of 800 KB, the worst requests a client can send each take less than 50 ms of CPU.
 *
 * Why CPU time: a request served in process (`inject`) runs on the event loop from start to end, so its CPU
 * time bounds how long it blocks the loop, and unlike wall-clock time (or the loop's measured delay) it does
 * not grow when the 2-core machine also runs other processes. It still grows by about half when other test files
 * compete for the cores' caches, so tap runs this file alone (`serial` in package.json's tap settings). Each request runs once to warm up (statements
 * prepared, code compiled, which a client cannot repeat) and then five times; the least of the five is its
 * cost, since other work only ever adds to it.
 */
const budgetMs = 50;
const size = { articles: 100_000, people: 20_000, organisations: 2_000, meetings: 20_000, seed: 42 };

// Building the data set takes about a minute of one core, several on a loaded machine.
const timeout = 20 * 60_000;
t.setTimeout(timeout);

/** On PostgreSQL much of a request's cost is the server's, which this process's CPU time does not see. */
const sqliteFileLoaded = { timeout, ...sqliteOnly("a SQLite file loaded by SQLite's loader, its requests' cost counted in this process") };

t.test('no request without a token costs more than the budget at 100,000 articles', sqliteFileLoaded, async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'khabar-budget-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const file = join(directory, 'budget.db');
  const database = openDatabase(`file:${file}`);
  await loadSyntheticData(sqliteLoading(database), size);
  database.close();

  // Without the response cache: each case is repeated, and an attacker misses the cache by varying the query.
  const app = await build(t, { databaseUrl: `file:${file}`, responseCacheBytes: 0 });

  /** A report of about 800 KB in the seed document's form: its title line, then paragraphs of its sentences again and again. */
  const [title, ...lines] = readFileSync(new URL('../../seed/kuwait-saudi-interior-meeting.ar.txt', import.meta.url), 'utf8').split('\n');
  const paragraphs = lines.filter((line) => line.trim().length > 40);
  const longParagraph = Array.from({ length: 30 }, () => paragraphs.join(' '))
    .join(' ')
    .slice(0, 15_000);
  const report = (n: number) => [`${title} ${n}`, ...Array.from({ length: Math.ceil(800_000 / Buffer.byteLength(longParagraph)) }, () => longParagraph)].join('\n');
  const longIds: string[] = [];
  for (let n = 0; n < 5; n++) {
    const imported = await app.inject({ method: 'POST', url: '/v1/articles/import', headers: { ...auth, 'content-type': 'text/plain; charset=utf-8' }, payload: report(n) });
    t.equal(imported.statusCode, 201, `a long report imported (${(Buffer.byteLength(report(n)) / 1e3).toFixed(0)} KB)`);
    longIds.push(JSON.parse(imported.body).data.id);
  }

  const sqlite = databaseOf(app.services).sqlite;
  const busiest = (table: string) => sqlite.prepare(`select subject_id from ${table} group by subject_id order by count(*) desc limit 1`).pluck().get() as string;
  const person = busiest('article_people');
  const organisation = busiest('article_organisations');
  const q = (text: string) => encodeURIComponent(text);
  /** 32 distinct words of the report that nearly every generated article holds. */
  const commonWords = [
    ...new Set(
      paragraphs
        .join(' ')
        .split(/[^\p{L}]+/u)
        .filter((w) => w.length >= 5),
    ),
  ]
    .slice(0, 32)
    .join(' ');

  /** The worst requests, by what each makes the server do. */
  const cases: Array<{ url: string }> = [
    // Refused before any scan: prefixes of an article or clitic alone, repeated or not.
    { url: `/v1/search?q=${q('ال* '.repeat(32))}&limit=100` },
    { url: `/v1/search?q=${q('ال* ال*')}&type=articles&limit=100` },
    { url: `/v1/articles?q=${q('وال* بال* لل*')}&limit=100` },
    // Snippets of the long reports: 32 terms, repeated, matched thousands of times in each.
    { url: `/v1/search?q=${q(`${'العدواني '.repeat(16)}${'الداخلية '.repeat(16)}`)}&type=articles&limit=5` },
    { url: `/v1/search?q=${q('العدوا* المرب*')}&type=articles&limit=5` },
    { url: `/v1/search?q=${q('زلزال')}&limit=100` },
    { url: `/v1/articles?filter[title][contains]=${q('زززز')}&limit=100` },
    { url: `/v1/articles/${longIds[0]}` },
    { url: `/v1/articles/${longIds[0]}/mentions` },
    // A page of 100 results, and three prefixes: the five reports among the results are read from their bodies' starts.
    { url: `/v1/search?q=${q('التعاون الأمني')}&limit=100` },
    { url: `/v1/search?q=${q('العدوا* المرب* الداخ*')}&type=articles&limit=5` },
    // Broad words over 100,000 records, and the organisation most articles are about.
    { url: `/v1/organisations/${organisation}?include=articles` },
    // A page of includes ends at 100 embedded records, and embedded articles have no bodies.
    { url: '/v1/people?limit=100&include=affiliations.organisation,meetings,articles' },
    // Two letters after the article start the words of 99,000 records: refused (was 73-96 ms).
    { url: `/v1/search?q=${q('الدا*')}&limit=100` },
    // 32 common words: a page of 100 results with their snippets.
    { url: `/v1/search?q=${q(commonWords)}&limit=100` },
    { url: '/v1/articles?limit=100' },
    // The page holds the first 1.65 MB report: what its GET costs, and the page's includes.
    { url: '/v1/articles?limit=100&include=people,organisations,meetings' },
    { url: `/v1/articles?q=${q('الدا*')}&limit=100` },
    // A list's q: matches listed when few enough to read within a budget (a prefix's 2,800 are not), else each row read
    // is probed in the index, as many rows as its budget allows (was 48 ms: SQLite listed every match, for the page and again for its count).
    { url: `/v1/articles?q=${q('المرب*')}&limit=100` },
    // A word nine records in ten hold, and 32 of them: their matches were listed whole (53-62 and 93-106 ms in a script at load 9).
    { url: `/v1/articles?q=${q('الكويت')}&sort=title&filter[language][eq]=ar&limit=100` },
    { url: `/v1/articles?q=${q(commonWords)}&limit=100` },
    { url: `/v1/articles?q=${q('المرب* الداخ* العدوا*')}&sort=title&limit=100` },
    // The trigram index behind contains is looked up the same way (28-31 ms listing a common title word's matches).
    { url: `/v1/articles?filter[title][contains]=${q('الكويت')}&sort=title&limit=100` },
    { url: `/v1/articles?filter[title][contains]=${q('ال')}&filter[language][eq]=ar&filter[published_at][gte]=2000-01-01&filter[person][ne]=${person}&sort=title&limit=100` },
    // Filters whose indexes list rows the other filters reject: a page or count reads at most 2,000 rows (was 340-375 ms).
    { url: '/v1/articles?filter[published_at][lt]=2000-01-01&sort=title&limit=100' },
    { url: '/v1/articles?filter[language][eq]=ar&filter[published_at][lt]=2000-01-01&limit=100' },
    { url: '/v1/articles?filter[published_at][gte]=2024-08-01&filter[published_at][lt]=2024-07-01&sort=title&limit=100' },
    { url: '/v1/articles?filter[language][ne]=ar&sort=title&limit=100' },
    { url: '/v1/meetings?filter[status][eq]=held&filter[starts_at][lt]=2000-01-01&sort=title&limit=100' },
    { url: '/v1/articles?filter[published_at][gte]=2024-11-01&filter[updated_at][gte]=2000-01-01&filter[language][nin]=en,fr&filter[slug][ne]=x&sort=-title&limit=100' },
    // Read ten records at a time, a page stops at its bound of 100 embedded records: 20 and 13 ms alone at load 5-7 (was 36, 22 at 200).
    { url: '/v1/organisations?limit=100&include=parent,children,members.person,meetings,articles' },
    // 20 and 17 ms alone at load 5-7 (24, 23 at a bound of 200; was 36 reading all 100 meetings).
    { url: '/v1/meetings?limit=100&include=host,participants.person,participants.organisation,organisations,articles' },
  ];

  /**
   * The CPU time of one request, in milliseconds, and its status: the time the main thread, which runs the
   * event loop, spent on a core (Linux's per-thread `schedstat`). The process's CPU time would also count V8's
   * background threads (concurrent marking and sweeping of a collection that earlier work started), which hold
   * no loop: up to 10 ms more on a request of 13, and what made one case read 54 ms in a CI run and 11 in the
   * next (docs/security.md). No collection is forced before a request; the ones it causes count.
   */
  const threadCpuMs = existsSync('/proc/thread-self/schedstat')
    ? () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6
    : () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1000;
      };
  async function requestCost(url: string): Promise<{ ms: number; status: number }> {
    const before = threadCpuMs();
    const response = await app.inject({ url, payloadAsStream: true });
    // The body is drained, not decoded: turning a 1.7 MB answer back into a string is the client's work (about 6 ms), not the server's.
    for await (const _chunk of response.stream());
    return { ms: threadCpuMs() - before, status: response.statusCode };
  }

  for (const { url } of cases) {
    const warm = await requestCost(url);
    t.ok(warm.status === 200 || warm.status === 400, `${url}: answers ${warm.status}`);
    let least = Infinity;
    for (let i = 0; i < 5; i++) least = Math.min(least, (await requestCost(url)).ms);
    t.ok(least < budgetMs, `${decodeURIComponent(url)}: ${least.toFixed(0)} ms of CPU`);
  }
});
