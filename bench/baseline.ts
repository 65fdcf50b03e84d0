/**
 * The raw baseline: node:http and better-sqlite3 prepared statements, no framework, no validation. It answers
 * the benchmark's requests with the bytes khabar sends (same keys in the same order, same envelope), so the
 * ratio between the two is what khabar's layers cost. A new article is written with every row khabar writes for
 * it (bench/article-writer.ts). Run as `node baseline.js <database file> <port>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Sqlite from 'better-sqlite3';
import { articleWriter } from './article-writer.js';
import { answerPost, articleRecord, byArticle, countCap, json, linkTables, listEnvelope, pageAsked, publicArticle, type Row, withEmbedded, withinEmbedBound } from './baseline-shape.js';

const [file, port] = process.argv.slice(2) as [string, string];
const db = new Sqlite(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
// As khabar: the link and mention rows' foreign keys are checked on every write.
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');

const byIdOrSlug = db.prepare(`select * from articles where (id = @key or slug = @key) and ${publicArticle('@now')} limit 1`);
const page = db.prepare(`select * from articles where id < @after and ${publicArticle('@now')} order by id desc limit @limit`);
const count = db.prepare(`select count(*) from (select 1 from articles where ${publicArticle('@now')} limit ${countCap})`).pluck();
const subjects = linkTables.map(
  ([table, key]) => [key, db.prepare(`select article_id, subject_id from ${table} where article_id in (select value from json_each(?)) order by article_id, position`)] as const,
);
/** A boolean column stored as 0/1, as the JSON value khabar's records hold. */
const jsonBoolean = (column: string) => `json(case ${column} when 1 then 'true' when 0 then 'false' else 'null' end)`;
/** The records with these ids, each with one relation list aggregated to JSON in the same statement. */
const recordsWithList = (table: string, list: string, parent: string, item: string, order: string) =>
  db.prepare(
    `select t.*, (select json_group_array(json_object(${item}) order by ${order}) from affiliations where ${parent} = t.id) as ${list} ` +
      `from ${table} t where t.id in (select value from json_each(?))`,
  );
const peopleByIds = recordsWithList('people', 'affiliations', 'person_id', `'organisation_id', organisation_id, 'role', role, 'acting', ${jsonBoolean('acting')}`, 'position');
const organisationsByIds = recordsWithList('organisations', 'members', 'organisation_id', `'person_id', person_id, 'role', role, 'acting', ${jsonBoolean('acting')}`, 'person_id');

/** The records with these ids by id, their JSON columns parsed. */
function recordsById(statement: Sqlite.Statement, ids: unknown[], list: string): Map<unknown, Row> {
  const rows = statement.all(JSON.stringify(ids)) as Row[];
  return new Map(rows.map((row) => [row.id, { ...row, aliases: JSON.parse(row.aliases as string), [list]: JSON.parse(row[list] as string) }]));
}

/** The hand-written version of include=people,organisations: one more query per included kind, embedded as khabar embeds. */
function withIncluded(data: Row[]): Row[] {
  const people = recordsById(
    peopleByIds,
    data.flatMap((a) => a.person_ids as string[]),
    'affiliations',
  );
  const organisations = recordsById(
    organisationsByIds,
    data.flatMap((a) => a.organisation_ids as string[]),
    'members',
  );
  return withEmbedded(data, people, organisations);
}

/** The article rows with their subject id lists, keys in the order of khabar's Article schema. */
function withSubjects(rows: Row[]): Row[] {
  const ids = JSON.stringify(rows.map((row) => row.id));
  const lists = subjects.map(([key, statement]) => [key, byArticle(statement.all(ids) as Row[])] as const);
  return rows.map((row) => articleRecord(row, lists));
}

function list(req: IncomingMessage, res: ServerResponse, url: URL) {
  const { limit, after } = pageAsked(url);
  const now = new Date().toISOString();
  const rows = page.all({ after, limit: limit + 1, now }) as Row[];
  const listed = withSubjects(rows.slice(0, limit));
  // As khabar: a page with includes ends at its bound on embedded records, its cursor after the last record kept.
  const { kept, cut } = url.searchParams.has('include') ? withinEmbedBound(listed) : { kept: listed, cut: false };
  const data = url.searchParams.has('include') ? withIncluded(kept) : kept;
  const total = count.get({ now }) as number;
  json(res, 200, listEnvelope(req.url, url, { data, kept, more: rows.length > limit || cut, limit, total }));
}

const writer = await articleWriter(db);

createServer((req, res) => {
  const url = new URL(req.url!, 'http://baseline.invalid');
  if (url.pathname === '/v1/articles') return req.method === 'POST' ? answerPost(req, res, url, writer) : list(req, res, url);
  if (url.pathname.startsWith('/v1/articles/')) {
    const key = decodeURIComponent(url.pathname.slice('/v1/articles/'.length));
    const row = byIdOrSlug.get({ key, now: new Date().toISOString() }) as Row | undefined;
    return row ? json(res, 200, { data: withSubjects([row])[0] }) : json(res, 404, { status: 404 });
  }
  json(res, 404, { status: 404 });
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
