/**
 * The raw baseline: node:http and better-sqlite3 prepared statements, no framework, no validation. It answers
 * the benchmark's requests with the bytes khabar sends (same keys in the same order, same envelope), so the
 * ratio between the two is what khabar's layers cost. A new article is written with every row khabar writes for
 * it (bench/article-writer.ts). Run as `node baseline.js <database file> <port>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Sqlite from 'better-sqlite3';
import { maxEmbeddedPerPage } from '../src/core/list/embed.js';
import { plainText } from '../src/core/resources/articles/repository.js';
import type { ArticleInput } from '../src/core/resources/articles/schemas.js';
import type { Block } from '../src/core/resources/articles/table.js';
import { articleWriter } from './article-writer.js';

type Row = Record<string, unknown>;

const [file, port] = process.argv.slice(2) as [string, string];
const db = new Sqlite(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
// As khabar: the link and mention rows' foreign keys are checked on every write.
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');

// The benchmark reads without a token, so it sees what khabar's public reader sees: published articles whose
// publication date has come (src/core/resources/articles/publication.ts), at the moment bound as @now.
const publicArticle = "status = 'published' and (published_at is null or published_at <= @now)";
const byIdOrSlug = db.prepare(`select * from articles where (id = @key or slug = @key) and ${publicArticle} limit 1`);
const page = db.prepare(`select * from articles where id < @after and ${publicArticle} order by id desc limit @limit`);
// khabar counts a list up to 1,000 records and then says `gte` (src/core/list/sql.ts).
const countCap = 1_000;
const count = db.prepare(`select count(*) from (select 1 from articles where ${publicArticle} limit ${countCap})`).pluck();
const links = (table: string) => db.prepare(`select article_id, subject_id from ${table} where article_id in (select value from json_each(?)) order by article_id, position`);
const subjects = [
  ['person_ids', links('article_people')],
  ['organisation_ids', links('article_organisations')],
  ['meeting_ids', links('article_meetings')],
] as const;
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

/**
 * The leading records whose people and organisations, counted once each, stay within khabar's bound on embedded
 * records per page (at least one record), and whether the bound cut the page (src/core/list/embed.ts).
 */
function withinEmbedBound(data: Row[]): { kept: Row[]; cut: boolean } {
  const seen = { people: new Set<unknown>(), organisations: new Set<unknown>() };
  let embedded = 0;
  for (const [index, article] of data.entries()) {
    const freshPeople = new Set((article.person_ids as string[]).filter((id) => !seen.people.has(id)));
    const freshOrganisations = new Set((article.organisation_ids as string[]).filter((id) => !seen.organisations.has(id)));
    const count = freshPeople.size + freshOrganisations.size;
    if (index > 0 && embedded + count > maxEmbeddedPerPage) return { kept: data.slice(0, index), cut: true };
    for (const id of freshPeople) seen.people.add(id);
    for (const id of freshOrganisations) seen.organisations.add(id);
    embedded += count;
  }
  return { kept: data, cut: false };
}

/** The hand-written version of include=people,organisations: one more query per included kind, embedded as khabar embeds. */
function withIncluded(data: Row[]): Row[] {
  const foundPeople = recordsById(
    peopleByIds,
    data.flatMap((a) => a.person_ids as string[]),
    'affiliations',
  );
  const foundOrganisations = recordsById(
    organisationsByIds,
    data.flatMap((a) => a.organisation_ids as string[]),
    'members',
  );
  const pick = (found: Map<unknown, Row>, ids: unknown) => (ids as string[]).map((id) => found.get(id)).filter((record) => record !== undefined);
  return data.map((article) => ({ ...article, people: pick(foundPeople, article.person_ids), organisations: pick(foundOrganisations, article.organisation_ids) }));
}
/** The article rows with their subject id lists, keys in the order of khabar's Article schema. */
function withSubjects(rows: Row[]): Row[] {
  const ids = JSON.stringify(rows.map((row) => row.id));
  const lists = subjects.map(([key, statement]) => {
    const byArticle = new Map<unknown, unknown[]>();
    for (const link of statement.all(ids) as Row[]) {
      const list = byArticle.get(link.article_id) ?? [];
      list.push(link.subject_id);
      byArticle.set(link.article_id, list);
    }
    return [key, byArticle] as const;
  });
  return rows.map((row) => {
    // The plain text is not stored (migration 0010): derived as khabar derives it, in its place among the keys.
    const { source, published_at, status, ...stored } = row;
    const body = JSON.parse(row.body as string) as Block[];
    const record: Row = { ...stored, body, body_text: plainText(body), source, published_at, status };
    for (const [key, byArticle] of lists) record[key] = byArticle.get(row.id) ?? [];
    return record;
  });
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

/** The page URL with its cursor set (the request's URL, changed in place). */
function withCursor(url: URL, cursor: string): string {
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}${url.search}`;
}

function list(req: IncomingMessage, res: ServerResponse, url: URL) {
  const limit = Number(url.searchParams.get('limit') ?? 20);
  const cursor = url.searchParams.get('cursor');
  // khabar's keyset cursor for the default sort (newest first): { s: '-id', k: [last id] }.
  const after = cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { k: [string] }).k[0] : '\uffff';
  const now = new Date().toISOString();
  const rows = page.all({ after, limit: limit + 1, now }) as Row[];
  const listed = withSubjects(rows.slice(0, limit));
  // As khabar: a page with includes ends at its bound on embedded records, its cursor after the last record kept.
  const { kept, cut } = url.searchParams.has('include') ? withinEmbedBound(listed) : { kept: listed, cut: false };
  const next = rows.length > limit || cut ? Buffer.from(JSON.stringify({ s: '-id', k: [kept.at(-1)!.id] })).toString('base64url') : null;
  const data = url.searchParams.has('include') ? withIncluded(kept) : kept;
  const total = count.get({ now }) as number;
  const envelope: Row = {
    data,
    meta: { limit, next_cursor: next, total, total_relation: total < countCap ? 'eq' : 'gte' },
    links: { self: req.url, next: next === null ? null : withCursor(url, next) },
  };
  json(res, 200, envelope);
}

const writer = await articleWriter(db);

/** `?raw` writes the article and its link rows only: the old comparison, kept as information. */
function post(req: IncomingMessage, res: ServerResponse, url: URL) {
  const write = url.searchParams.has('raw') ? writer.raw : writer.likeForLike;
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const record = write(JSON.parse(Buffer.concat(chunks).toString()) as ArticleInput);
    json(res, 201, { data: record }, { location: `/v1/articles/${record.id}` });
  });
}

createServer((req, res) => {
  const url = new URL(req.url!, 'http://baseline.invalid');
  if (url.pathname === '/v1/articles') return req.method === 'POST' ? post(req, res, url) : list(req, res, url);
  if (url.pathname.startsWith('/v1/articles/')) {
    const key = decodeURIComponent(url.pathname.slice('/v1/articles/'.length));
    const row = byIdOrSlug.get({ key, now: new Date().toISOString() }) as Row | undefined;
    return row ? json(res, 200, { data: withSubjects([row])[0] }) : json(res, 404, { status: 404 });
  }
  json(res, 404, { status: 404 });
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
