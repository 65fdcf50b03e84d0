import { fillPlaceholders } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import t from 'tap';
import type { Bindings, Query, StatementExecutor } from '../../src/core/db/statements.js';
import { createRepositories } from '../../src/core/resources/index.js';
import { type Engine, engines } from '../engines.js';

/*
 * A relink job on both engines, through the repositories' own writes: the articles it takes as candidates for a
 * new name (those linked to the entity now, and those whose texts hold one of its changed forms in any spelling
 * linking accepts, found in the engine's full-text index: FTS5's on SQLite, the written words' tsvectors on
 * PostgreSQL) and the mentions it leaves. Which articles hold the name, and where, is known from how each text
 * is made: the text before it, a prefix Arabic attaches to its first word, the name as the article writes it.
 */

const { onBoth, onPostgres } = engines(t);

const name = 'وزارة الداخلية';
const at = '2026-01-01T00:00:00.000Z';

interface Made {
  slug: string;
  part: 'title' | 'body';
  before: string;
  /** The prefix attached to the name's first word (none: ''); linking's span leaves it out. */
  prefix: string;
  /** The name as the article writes it, null for an article that does not hold it. */
  written: string | null;
  after: string;
  status?: 'draft';
}

const made: Made[] = [
  { slug: 'plain', part: 'body', before: 'أعلنت ', prefix: '', written: name, after: ' خطة جديدة', status: 'draft' },
  // A prefix on the first word and ه for ة in the second: a spelling the normaliser and linking's prefixes accept.
  { slug: 'prefixed', part: 'body', before: 'قال متحدث ', prefix: 'ل', written: 'وزارة الداخليه', after: ' إن الوفد وصل', status: 'draft' },
  { slug: 'conjunction', part: 'body', before: 'واتصل ', prefix: 'وب', written: name, after: ' امس' },
  // Diacritics, in the title.
  { slug: 'vowelled', part: 'title', before: '', prefix: '', written: 'وِزارةُ الدّاخِلِيّةِ', after: ' تعلن' },
  // Another ministry; the two words apart; the first word's plural, which has its stem (a stem match would take it), never a name linking accepts.
  { slug: 'other', part: 'body', before: 'أعلنت وزارة الخارجية', prefix: '', written: null, after: '' },
  { slug: 'apart', part: 'body', before: 'الداخلية في وزارة اخرى', prefix: '', written: null, after: '' },
  { slug: 'plural', part: 'body', before: 'الوزارات الداخلية', prefix: '', written: null, after: '' },
];

const textOf = (article: Made) => `${article.before}${article.prefix}${article.written ?? ''}${article.after}`;

/** The articles, written through the repositories before the name is known, then the organisation named by it, whose write records its relink job. */
async function madeThenNamed(engine: Engine) {
  const repositories = createRepositories();
  const ids = new Map<string, string>();
  for (const article of made) {
    const text = textOf(article);
    const input = {
      slug: article.slug,
      title: article.part === 'title' ? text : article.slug,
      language: 'ar',
      body: [{ type: 'paragraph' as const, text: article.part === 'body' ? text : 'نص' }],
      ...(article.status ? { status: article.status } : {}),
    };
    ids.set(article.slug, (await engine.write((tx) => repositories.articles.create(tx, input))).id);
  }
  const organisation = await engine.write((tx) => repositories.organisations.create(tx, { slug: 'الداخلية', name, kind: 'ministry' }));
  return { repositories, ids, organisation };
}

onBoth('a new name: its relink job takes as candidates the articles holding it in any spelling linking accepts, and links them', async (t, engine: Engine) => {
  const { repositories, ids, organisation } = await madeThenNamed(engine);
  for (const article of made) t.same(await repositories.mentions.list(engine.statements, ids.get(article.slug)!), [], `${article.slug}: the name's write linked no article written before it`);

  const holding = made.filter((article) => article.written !== null);
  const worker = repositories.relinkJobs.worker({ reads: engine.statements, write: engine.write }, { batch: made.length });
  const first = await worker.step();
  t.same(first?.relinked, holding.map((article) => ids.get(article.slug)!).sort(), `the candidates: the ${holding.length} articles holding the name, in id order, none of the others`);
  t.same((await worker.step())?.relinked, [], 'then the job ends');
  t.equal(await worker.step(), null, 'with nothing left to do');

  for (const article of made) {
    const expected =
      article.written === null
        ? []
        : [
            {
              part: article.part,
              start: article.before.length + article.prefix.length,
              end: article.before.length + article.prefix.length + article.written.length,
              text: article.written,
              origin: 'auto',
              entity: { type: 'organisation', id: organisation.id, slug: organisation.slug, name },
            },
          ];
    t.same(await repositories.mentions.list(engine.statements, ids.get(article.slug)!), expected, `${article.slug}: ${expected.length ? `linked where it writes ${article.written}` : 'not linked'}`);
  }
});

onPostgres("the candidates' full-text match is answered from the GIN index of the written words", async (t, engine) => {
  const { repositories } = await madeThenNamed(engine);
  // The statements the worker's reads run for use `once`: the candidates' match (the others are named).
  const once: Array<{ query: Query<unknown>; bindings: Bindings }> = [];
  const reads: StatementExecutor = {
    dialect: engine.statements.dialect,
    prepare(query, use) {
      const prepared = engine.statements.prepare(query, use);
      if (use !== 'once') return prepared;
      return {
        ...prepared,
        all: async (bindings = {}) => {
          once.push({ query, bindings });
          return prepared.all(bindings);
        },
      };
    },
  };
  const worker = repositories.relinkJobs.worker({ reads, write: engine.write }, { batch: made.length });
  while ((await worker.step()) !== null);
  t.ok(once.length > 0, 'the worker read candidates by their text');
  const client = await engine.postgres!.pool.connect();
  t.teardown(() => client.release());
  // Beside the seven, 40,000 other articles holding other words, so that walking the articles costs what it would;
  // their entries merged out of the GIN index's pending list by the vacuum; the table scan forbidden, which shows
  // whether the planner can use an index at all.
  await client.query(
    `insert into articles (id, slug, title, language, body, status, version, created_at, updated_at) select 'z' || n, 'z-' || n, 'خبر ' || n, 'ar', '[]', 'published', 1, $1, $1 from generate_series(1, 40000) as n`,
    [at],
  );
  await client.query(`insert into search_documents (doc_id, type, record_id) select 1000 + n, 'articles', 'z' || n from generate_series(1, 40000) as n`);
  await client.query(
    `insert into search_index (rowid, type, title, title_stem, body, body_stem) select 1000 + n, 'articles', 'خبر ' || n, 'خبر ' || n, 'سيره', 'سير' from generate_series(1, 40000) as n`,
  );
  await client.query('vacuum analyze');
  await client.query('set enable_seqscan = off');
  const { sql: text, params } = new PgDialect().sqlToQuery(once[0]!.query.getSQL());
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${text}`, fillPlaceholders(params, once[0]!.bindings));
  t.match(rows.map((row) => row['QUERY PLAN']).join('\n'), /Bitmap Index Scan on search_index_vectors_idx/, 'the match reads the vectors’ index');
});
