/**
 * What the raw baselines (bench/baseline.ts on SQLite, bench/baseline-postgres.ts on PostgreSQL) answer, engine
 * aside: khabar's bytes for an article, a list page and its embedded records, built from rows each baseline reads
 * its own way.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { maxEmbeddedPerPage } from '../src/core/list/embed.js';
import { plainText } from '../src/core/resources/articles/repository.js';
import type { Article, ArticleInput } from '../src/core/resources/articles/schemas.js';
import type { Block } from '../src/core/resources/articles/table.js';

export type Row = Record<string, unknown>;

/**
 * The benchmark reads without a token, so it sees what khabar's public reader sees: published articles whose
 * publication date has come (src/core/resources/articles/publication.ts), at the moment bound as `now`.
 */
export const publicArticle = (now: string) => `status = 'published' and (published_at is null or published_at <= ${now})`;

// khabar counts a list up to 1,000 records and then says `gte` (src/core/list/sql.ts).
export const countCap = 1_000;

/** The link tables, each with the key of its subject id list in khabar's Article schema. */
export const linkTables = [
  ['article_people', 'person_ids'],
  ['article_organisations', 'organisation_ids'],
  ['article_meetings', 'meeting_ids'],
] as const;

/** Link rows (`article_id`, `subject_id`, in order) as each article's list of subject ids. */
export function byArticle(links: Row[]): Map<unknown, unknown[]> {
  const lists = new Map<unknown, unknown[]>();
  for (const link of links) {
    const list = lists.get(link.article_id) ?? [];
    list.push(link.subject_id);
    lists.set(link.article_id, list);
  }
  return lists;
}

/** An article's row as khabar answers it, keys in the order of its Article schema; `lists`, each link table's lists by article. */
export function articleRecord(row: Row, lists: ReadonlyArray<readonly [string, Map<unknown, unknown[]>]>): Row {
  // The plain text is not stored (migration 0010): derived as khabar derives it, in its place among the keys.
  const { source, published_at, status, ...stored } = row;
  const body = JSON.parse(row.body as string) as Block[];
  const record: Row = { ...stored, body, body_text: plainText(body), source, published_at, status };
  for (const [key, byId] of lists) record[key] = byId.get(row.id) ?? [];
  return record;
}

/**
 * The leading records whose people and organisations, counted once each, stay within khabar's bound on embedded
 * records per page (at least one record), and whether the bound cut the page (src/core/list/embed.ts).
 */
export function withinEmbedBound(data: Row[]): { kept: Row[]; cut: boolean } {
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

/** The articles with their people and organisations embedded as khabar embeds them, from those records by id. */
export function withEmbedded(data: Row[], people: Map<unknown, Row>, organisations: Map<unknown, Row>): Row[] {
  const pick = (found: Map<unknown, Row>, ids: unknown) => (ids as string[]).map((id) => found.get(id)).filter((record) => record !== undefined);
  return data.map((article) => ({ ...article, people: pick(people, article.person_ids), organisations: pick(organisations, article.organisation_ids) }));
}

export const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

/** A list request's page size, and the id its keyset cursor for the default sort (newest first, `{ s: '-id', k: [last id] }`) starts below. */
export function pageAsked(url: URL): { limit: number; after: string } {
  const cursor = url.searchParams.get('cursor');
  const after = cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { k: [string] }).k[0] : '\uffff';
  return { limit: Number(url.searchParams.get('limit') ?? 20), after };
}

/** A list's envelope as khabar sends it: `kept` the page's records before any embedding, `more` whether a next page follows. */
export function listEnvelope(path: string | undefined, url: URL, page: { data: Row[]; kept: Row[]; more: boolean; limit: number; total: number }): Row {
  const next = page.more ? Buffer.from(JSON.stringify({ s: '-id', k: [page.kept.at(-1)!.id] })).toString('base64url') : null;
  return {
    data: page.data,
    meta: { limit: page.limit, next_cursor: next, total: page.total, total_relation: page.total < countCap ? 'eq' : 'gte' },
    links: { self: path, next: next === null ? null : withCursor(url, next) },
  };
}

/** The page URL with its cursor set (the request's URL, changed in place). */
function withCursor(url: URL, cursor: string): string {
  url.searchParams.set('cursor', cursor);
  return `${url.pathname}${url.search}`;
}

type ArticleWrite = (input: ArticleInput) => Article | Promise<Article>;

/**
 * `POST /v1/articles` as khabar answers it (201, the record, its Location), written by the baseline's like-for-like
 * writer; `?raw` writes the article and its link rows only: the old comparison, kept as information.
 */
export function answerPost(req: IncomingMessage, res: ServerResponse, url: URL, writer: { raw: ArticleWrite; likeForLike: ArticleWrite }) {
  const write = url.searchParams.has('raw') ? writer.raw : writer.likeForLike;
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const record = await write(JSON.parse(Buffer.concat(chunks).toString()) as ArticleInput);
      json(res, 201, { data: record }, { location: `/v1/articles/${record.id}` });
    } catch (error) {
      json(res, 500, { status: 500, detail: String(error) });
    }
  });
}
