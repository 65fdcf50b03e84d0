/**
 * The raw baseline on PostgreSQL: node:http and node-postgres named prepared statements on a pool, no framework, no
 * validation, answering the benchmark's requests (get by id, a list page, include=people,organisations, POST) with the bytes
 * khabar sends, as bench/baseline.ts does on SQLite; a new article is written with every row khabar writes for it
 * (bench/article-writer-postgres.ts). Run as `node baseline-postgres.js <postgres:// URL> <port>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { postgresArticleWriter } from './article-writer-postgres.js';
import { answerPost, articleRecord, byArticle, countCap, json, linkTables, listEnvelope, pageAsked, publicArticle, type Row, withEmbedded, withinEmbedBound } from './baseline-shape.js';

const [url, port] = process.argv.slice(2) as [string, string];
// int8 (a version, a count) as the number khabar answers; json is parsed by the driver.
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, Number);
const pool = new pg.Pool({ connectionString: url, max: 10, types });

/** A statement prepared once per pooled connection, by name. */
const prepared = (name: string, text: string) => async (values: unknown[]) => (await pool.query<Row>({ name, text, values })).rows;

const byIdOrSlug = prepared('by_id_or_slug', `select * from articles where (id = $1 or slug = $1) and ${publicArticle('$2')} limit 1`);
const page = prepared('page', `select * from articles where id < $1 and ${publicArticle('$2')} order by id desc limit $3`);
const count = prepared('count', `select count(*) as n from (select 1 from articles where ${publicArticle('$1')} limit ${countCap}) as capped`);
const subjects = linkTables.map(([table, key]) => [key, prepared(table, `select article_id, subject_id from ${table} where article_id = any($1::text[]) order by article_id, position`)] as const);
/** The records with these ids, each with one relation list aggregated to JSON in the same statement. */
const recordsWithList = (name: string, table: string, list: string, parent: string, item: string, order: string) =>
  prepared(
    name,
    `select t.*, (select coalesce(json_agg(json_build_object(${item}) order by ${order}), '[]') from affiliations where ${parent} = t.id) as ${list} ` + `from ${table} t where t.id = any($1::text[])`,
  );
const peopleByIds = recordsWithList('people', 'people', 'affiliations', 'person_id', `'organisation_id', organisation_id, 'role', role, 'acting', acting`, 'position');
const organisationsByIds = recordsWithList('organisations', 'organisations', 'members', 'organisation_id', `'person_id', person_id, 'role', role, 'acting', acting`, 'person_id');

const byId = (rows: Row[]) => new Map(rows.map((row) => [row.id, row]));

/** The hand-written version of include=people,organisations: one more query per included kind, embedded as khabar embeds. */
async function withIncluded(data: Row[]): Promise<Row[]> {
  const [people, organisations] = await Promise.all([peopleByIds([data.flatMap((a) => a.person_ids as string[])]), organisationsByIds([data.flatMap((a) => a.organisation_ids as string[])])]);
  return withEmbedded(data, byId(people), byId(organisations));
}

/** The article rows with their subject id lists, keys in the order of khabar's Article schema. */
async function withSubjects(rows: Row[]): Promise<Row[]> {
  const ids = rows.map((row) => row.id);
  const lists = await Promise.all(subjects.map(async ([key, statement]) => [key, byArticle(await statement([ids]))] as const));
  return rows.map((row) => articleRecord(row, lists));
}

async function list(req: IncomingMessage, res: ServerResponse, url: URL) {
  const { limit, after } = pageAsked(url);
  const now = new Date().toISOString();
  const [rows, counted] = await Promise.all([page([after, now, limit + 1]), count([now])]);
  const listed = await withSubjects(rows.slice(0, limit));
  // As khabar: a page with includes ends at its bound on embedded records, its cursor after the last record kept.
  const { kept, cut } = url.searchParams.has('include') ? withinEmbedBound(listed) : { kept: listed, cut: false };
  const data = url.searchParams.has('include') ? await withIncluded(kept) : kept;
  json(res, 200, listEnvelope(req.url, url, { data, kept, more: rows.length > limit || cut, limit, total: Number(counted[0]!.n) }));
}

const writer = await postgresArticleWriter(pool);

async function answer(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url!, 'http://baseline.invalid');
  if (url.pathname === '/v1/articles') return req.method === 'POST' ? answerPost(req, res, url, writer) : list(req, res, url);
  if (url.pathname.startsWith('/v1/articles/')) {
    const key = decodeURIComponent(url.pathname.slice('/v1/articles/'.length));
    const [row] = await byIdOrSlug([key, new Date().toISOString()]);
    return row ? json(res, 200, { data: (await withSubjects([row]))[0] }) : json(res, 404, { status: 404 });
  }
  json(res, 404, { status: 404 });
}

createServer((req, res) => {
  answer(req, res).catch((error: unknown) => json(res, 500, { status: 500, detail: String(error) }));
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
