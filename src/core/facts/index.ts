import { eq, gt, sql } from 'drizzle-orm';
import { type Dialect, perDialect } from '../db/dialect.js';
import { type Query, type StatementExecutor, statement } from '../db/statements.js';
import type { Article } from '../resources/articles/schemas.js';
import { articleBodyTextIn, articles } from '../resources/articles/table.js';
import { organisations } from '../resources/organisations/table.js';
import { people } from '../resources/people/table.js';
import type { ResourceName } from '../resources/registry.js';
import { inIdList } from '../resources/shared/relations.js';
import type { Repository, WriteEvent } from '../resources/shared/repository.js';
import { type NameIndex, type NameSource, nameIndex } from '../text/linking.js';
import { type Covered, committedToRelink, everyRow, noRow, recordToRelink, takeToRelink, waitingToRelink } from './articles-to-relink.js';
import { type EntityRef, entityResources } from './entities.js';
import { type ArticleTexts, mentionReads, type NewMention, relocateCuratedMentions, setAutoMentions, setAutoMentionsOfMany } from './mentions.js';
import { type FieldChange, provenanceReads, recordWrite, relocateQuotes, unsourcedChanges } from './provenance.js';
import { type JobExecutors, type Linker, type RelinkWorker, type RelinkWorkerOptions, recordRelinkJob, relinkBatch, relinkWorker } from './relink-jobs.js';
import { articleParts, nameFormsRevision } from './table.js';

type AnyRepository = Repository<{ id: string }, unknown>;

/** Every resource's repository; the articles' are read as articles, the others as any record. */
type Resources = Record<Exclude<ResourceName, 'articles'>, AnyRepository> & { articles: Repository<Article, unknown> };

export const articleTexts = (article: Pick<Article, 'title' | 'body_text'>): ArticleTexts => ({ title: article.title, body: article.body_text });

/** The mentions linking finds in an article's texts: each part's spans that name an entity of the index. */
export const linkMentions = <T extends EntityRef>(index: NameIndex<T>, texts: ArticleTexts): NewMention[] =>
  articleParts.flatMap((part) => index.find(texts[part]).map(({ target, ...span }) => ({ part, ...span, entity: target })));

/** Properties of a record that are not facts about the entity: server columns, the slug, reverse relations. */
const notFacts = new Set(['id', 'slug', 'version', 'created_at', 'updated_at', 'members', 'article_ids']);

const isEmpty = (value: unknown) => value === null || value === undefined || (Array.isArray(value) && value.length === 0);

/** The fact fields a write set (on create) or changed (on replace). */
function changedFields(event: WriteEvent<{ id: string }>): FieldChange[] {
  if (event.kind === 'delete') return [];
  const after = event.record as Record<string, unknown>;
  const before = event.kind === 'replace' ? (event.previous as Record<string, unknown>) : {};
  return Object.entries(after)
    .filter(([field, value]) => !notFacts.has(field) && (event.kind === 'create' ? !isEmpty(value) : JSON.stringify(value) !== JSON.stringify(before[field])))
    .map(([field, value]) => ({ field, value }));
}

/** Every row `query` (an `id > :after order by id limit :limit` select) reads, in id order, a page of `limit` rows at a time, each read when the last was taken. */
async function* keysetPages<Row extends { id: string }>(executor: StatementExecutor, query: Query<Row>, limit: number): AsyncGenerator<Row[]> {
  for (let after = ''; ; ) {
    const page = await executor.prepare(query).all({ after, limit });
    if (page.length > 0) yield page;
    if (page.length < limit) return;
    after = page.at(-1)!.id;
  }
}

const nameSourcePage = 250;

const personPage = statement
  .select({ id: people.id, name: people.name, honorific: people.honorific, aliases: people.aliases })
  .from(people)
  .where(gt(people.id, sql.placeholder('after')))
  .orderBy(people.id)
  .limit(sql.placeholder('limit'));
const organisationPage = statement
  .select({ id: organisations.id, name: organisations.name, aliases: organisations.aliases })
  .from(organisations)
  .where(gt(organisations.id, sql.placeholder('after')))
  .orderBy(organisations.id)
  .limit(sql.placeholder('limit'));

/** Every person and organisation with its name forms, a page at a time, so the index never holds every row at once, and a background build reads a page a step. */
async function* nameSourcePages(executor: StatementExecutor): AsyncGenerator<NameSource<NamedRef>[]> {
  for await (const page of keysetPages(executor, personPage, nameSourcePage)) yield page.map((p) => nameSource('person', p));
  for await (const page of keysetPages(executor, organisationPage, nameSourcePage)) yield page.map((o) => nameSource('organisation', o));
}

/** The name index of every person and organisation, read on `executor`. */
export async function readNameIndex(executor: StatementExecutor): Promise<NameIndex<NamedRef>> {
  const index = nameIndex<NamedRef>([]);
  for await (const page of nameSourcePages(executor)) for (const source of page) index.put(source);
  return index;
}

interface Named {
  id: string;
  name: string;
  aliases: string[];
  honorific?: string | null;
}

type NamedType = 'person' | 'organisation';

/** What the name index links to: a person or an organisation. */
type NamedRef = EntityRef & { type: NamedType };

/** A person or organisation record of a write event (typed as any record there). */
const named = (record: unknown) => record as Named;

const nameSource = (type: NamedType, entity: Named): NameSource<NamedRef> => ({ key: entity.id, target: { type, id: entity.id }, names: nameForms(entity) });

/** The forms a person or organisation may be named by: name, aliases, and for a person rank plus each. */
function nameForms({ name, aliases, honorific }: Omit<Named, 'id'>): string[] {
  const names = [name, ...aliases];
  return honorific ? [...names, ...names.map((n) => `${honorific} ${n}`)] : names;
}

const revisionRow = statement.select({ revision: nameFormsRevision.revision, previous: nameFormsRevision.previous }).from(nameFormsRevision);
// The migration that creates the row inserts it, and nothing deletes it.
const revisionOn = async (executor: StatementExecutor) => (await executor.prepare(revisionRow).get())!;

/**
 * The name index of every person and organisation, kept current: brought forward one entity at a time for the
 * writes this process makes, and built again when the names changed in a way this process did not follow
 * (another worker, a bulk load, a rolled-back write: see name_forms_revision).
 *
 * A server builds it in the background (a page of names per step, read on the read executor), at start and
 * whenever it falls behind, so no request waits for a build: a write that finds it behind links with it as it is
 * and records its article (articles-to-relink.ts) to be linked again by an index that covers the record; before
 * the first build, it links with no names. A tool, with no background worker, builds it when a write needs it (on
 * the write's `tx`). What a write reads of the names (their revision) it reads on its own `tx`.
 */
function nameIndexFollowing() {
  /** `covered`: the articles to relink committed before the build read the names, which it links as they were then or later. */
  let built: { index: NameIndex<NamedRef>; revision: string; covered: Covered } | null = null;
  /** Moves whenever `built` does: a build in the background installs its index only if nothing newer came meanwhile. */
  let generation = 0;
  /** A background build under way: its pages, the index they fill, what it covers, the revision read before its first page, and the generation it started at. */
  let building: { pages: AsyncGenerator<NameSource<NamedRef>[]>; index: NameIndex<NamedRef>; revision: string; covered: Covered; since: number } | null = null;
  let inBackground = false;
  let builds = 0;

  function install(index: NameIndex<NamedRef>, revision: string, covered: Covered) {
    built = { index, revision, covered };
    builds++;
    generation++;
  }

  /**
   * The index to link a write's article with, and whether it is behind the names (then the article is to be linked
   * again); none before a server's first build.
   */
  async function current(tx: StatementExecutor): Promise<{ index: NameIndex<NamedRef>; behind: false } | { index: NameIndex<NamedRef> | null; behind: true }> {
    const { revision } = await revisionOn(tx);
    if (built?.revision !== revision) {
      if (inBackground) return { index: built?.index ?? null, behind: true };
      // A tool's build, which its write waits for; it covers no article to relink, which waits for a background build or an index current.
      install(await readNameIndex(tx), revision, noRow);
    }
    return { index: built!.index, behind: false };
  }

  return {
    current,
    /** Whether there is an index to link with: where a background worker builds it, once its first build is installed. */
    ready: () => !inBackground || built !== null,
    /** After a write to a person or organisation, inside its transaction: its names go into the index even while it is behind. */
    async follow(tx: StatementExecutor, type: NamedType, event: WriteEvent<{ id: string }>) {
      if (!built) return;
      const now = await revisionOn(tx);
      if (now.revision === built.revision) return;
      if (event.kind === 'delete') built.index.remove(event.id, nameForms(named(event.previous)));
      else built.index.put(nameSource(type, named(event.record)), event.kind === 'replace' ? nameForms(named(event.previous)) : []);
      if (now.previous === built.revision) {
        built.revision = now.revision;
        generation++;
      }
    },
    /**
     * Makes this process build the index in the background: the function returned reads the next page of names on
     * `reads`, or starts a build when the index is behind the names; false when it is current. A build installs
     * what it read and, if the names changed meanwhile, the next step starts another.
     */
    buildInBackground(reads: StatementExecutor): () => Promise<boolean> {
      inBackground = true;
      return async () => {
        if (!building) {
          // The rows covered are read before the names' revision, and the names after it.
          const covered = await committedToRelink(reads);
          const { revision } = await revisionOn(reads);
          if (built?.revision === revision) return false;
          building = { pages: nameSourcePages(reads), index: nameIndex<NamedRef>([]), revision, covered, since: generation };
        }
        const build = building;
        let page: IteratorResult<NameSource<NamedRef>[]>;
        try {
          page = await build.pages.next();
        } catch (error) {
          // A generator that threw is finished: the next step starts the build again.
          building = null;
          throw error;
        }
        if (!page.done) {
          for (const source of page.value) build.index.put(source);
          return true;
        }
        building = null;
        // A write brought it forward while this build read: what this build read may be older.
        if (generation === build.since) install(build.index, build.revision, build.covered);
        return true;
      };
    },
    /** The articles to relink that the index links as the names were when they were recorded, or later (every one when it is current); none before the first build. */
    async covered(executor: StatementExecutor): Promise<Covered> {
      if (!built) return noRow;
      const { revision, covered } = built;
      return revision === (await revisionOn(executor)).revision ? everyRow : covered;
    },
    /** How many times the index was built (for the tests: a write after the start's build builds none). */
    builds: () => builds,
  };
}

/** Whether an entity is there, read in a write (`tx`): one statement per kind of named entity. */
const entityById = {
  person: statement
    .select({ id: people.id })
    .from(people)
    .where(eq(people.id, sql.placeholder('id'))),
  organisation: statement
    .select({ id: organisations.id })
    .from(organisations)
    .where(eq(organisations.id, sql.placeholder('id'))),
};

const articleTextColumns = (dialect: Dialect) => ({ id: articles.id, title: articles.title, body_text: articleBodyTextIn(dialect) });
const articleTextsByIds = perDialect((dialect) =>
  statement
    .select(articleTextColumns(dialect))
    .from(articles)
    .where(inIdList(articles.id, 'ids', dialect)),
);
const articlesAfter = perDialect((dialect) =>
  statement
    .select(articleTextColumns(dialect))
    .from(articles)
    .where(gt(articles.id, sql.placeholder('after')))
    .orderBy(articles.id)
    .limit(sql.placeholder('limit')),
);

/**
 * Mentions and provenance, kept in step with every write (inside its transaction): an article write
 * relocates its curated mentions and quotes and relinks it; a write to a person, organisation or
 * meeting records the writer as the source of the fields it changed.
 */
export function createFacts(resources: Resources) {
  const names = nameIndexFollowing();

  /**
   * An article's mentions as linking finds them, in a write (`tx`). With an index behind the names, the article is
   * recorded to be linked again, and an entity another process deleted meanwhile is left out (its mention would
   * break the foreign key); before a server's first build, recorded and null: there are no names to link with.
   */
  async function link(tx: StatementExecutor, articleId: string, texts: ArticleTexts): Promise<NewMention[] | null> {
    const linking = await names.current(tx);
    if (!linking.behind) return linkMentions(linking.index, texts);
    await recordToRelink(tx, articleId);
    if (!linking.index) return null;
    const found = linkMentions(linking.index, texts);
    // One look per entity, not per mention; a meeting is never in the name index (the check narrows the type).
    const entities = new Map(found.map(({ entity }) => [entity.id, entity]));
    const gone = new Set<string>();
    for (const entity of entities.values()) {
      if (entity.type !== 'meeting' && !(await tx.prepare(entityById[entity.type]).get({ id: entity.id }))) gone.add(entity.id);
    }
    return found.filter(({ entity }) => !gone.has(entity.id));
  }

  resources.articles.onWrite(async (event, tx) => {
    if (event.kind === 'delete') return;
    const id = event.record.id;
    const after = articleTexts(event.record);
    const before = event.kind === 'replace' ? articleTexts(event.previous) : null;
    const textsKept = before !== null && before.title === after.title && before.body === after.body;
    // With the same texts every curated mention and quote is where it was: relocating would rewrite the same rows.
    if (before && !textsKept) {
      await relocateCuratedMentions(tx, id, before, after);
      await relocateQuotes(tx, id, before, after);
    }
    const found = await link(tx, id, after);
    // Before the first build the stored automatic mentions stay where the texts did, until the article is linked
    // again; of texts that changed, their places would be wrong.
    if (found === null && textsKept) return;
    await setAutoMentions(tx, id, found ?? [], event.kind === 'create' && event.fresh);
  });

  for (const { name, type } of entityResources) {
    resources[name].onWrite(async (event, tx) => {
      if (type !== 'meeting') await names.follow(tx, type, event);
      if (event.kind === 'delete') return;
      if (type !== 'meeting') await relinkForNames(tx, type, event);
      const entity = { type, id: event.record.id };
      const changes = changedFields(event);
      await recordWrite(tx, entity, event.kind === 'create' ? await unsourcedChanges(tx, entity, changes) : changes, event.context.writer);
    });
  }

  async function relinkArticle(tx: StatementExecutor, article: { id: string; title: string; body_text: string }) {
    const found = await link(tx, article.id, articleTexts(article));
    if (found) await setAutoMentions(tx, article.id, found);
  }
  const linker: Linker = {
    ready: names.ready,
    async relink(tx, articleIds) {
      for (const article of await tx.prepare(articleTextsByIds(tx.dialect)).all({ ids: JSON.stringify(articleIds) })) await relinkArticle(tx, article);
    },
  };

  /**
   * The server's worker that keeps the name index current (a page of names a step, read on `reads`) and links
   * again, a batch of rows per write, the articles recorded while an index was behind, once the index covers them:
   * before the next build, so names that keep changing never hold them back. Linked by an index still behind the
   * names, an article is recorded again, for the next build. Null when there is nothing to do.
   */
  function nameIndexWorker({ reads, write }: JobExecutors, batch = relinkBatch) {
    const buildSlice = names.buildInBackground(reads);
    return {
      async step(): Promise<{ built: true } | { relinked: string[] } | null> {
        // Read first, so that a worker with nothing to relink takes no write lock.
        if (await waitingToRelink(reads, await names.covered(reads))) {
          const relinked = await write(async (tx) => {
            // An article the index, still behind, links here is recorded anew, past the rows taken: for the next build.
            const taken = await takeToRelink(tx, await names.covered(tx), batch);
            await linker.relink(tx, taken);
            return taken;
          });
          return { relinked };
        }
        if (await buildSlice()) return { built: true };
        return null;
      },
      async release() {},
    };
  }

  /**
   * A person or organisation whose name forms changed (or a new one) may be named in articles written
   * before: the write records the forms it added or removed, and the articles that contain one of them, in
   * any spelling linking accepts, and those linked to the entity now are relinked after it (relink-jobs.ts).
   * Deleting one removes its mentions (foreign key cascade).
   */
  async function relinkForNames(tx: StatementExecutor, type: NamedType, event: Exclude<WriteEvent<{ id: string }>, { kind: 'delete' }>) {
    const after = nameForms(named(event.record));
    const before = event.kind === 'replace' ? nameForms(named(event.previous)) : [];
    const changed = [...new Set([...after.filter((form) => !before.includes(form)), ...before.filter((form) => !after.includes(form))])];
    if (changed.length > 0) await recordRelinkJob(tx, { type, id: event.record.id }, changed);
  }

  /**
   * Links every article anew, a batch per write: for articles written around the repositories (a bulk load), which
   * the linking on every write never saw. With the index current, a batch reads the names' revision once and
   * writes its mentions many to a statement (`setAutoMentionsOfMany`); behind, each article is linked as a write links it.
   */
  async function relinkArticles(write: JobExecutors['write'], batchSize = 2000) {
    for (let after = ''; ; ) {
      const batch = await write(async (tx) => {
        const page = await tx.prepare(articlesAfter(tx.dialect)).all({ after, limit: batchSize });
        const linking = await names.current(tx);
        const linked: Array<{ articleId: string; items: NewMention[] }> = [];
        for (const article of page) {
          const texts = articleTexts(article);
          const items = linking.behind ? await link(tx, article.id, texts) : linkMentions(linking.index, texts);
          if (items) linked.push({ articleId: article.id, items });
        }
        await setAutoMentionsOfMany(tx, linked);
        return page;
      });
      if (batch.length < batchSize) return;
      after = batch.at(-1)!.id;
    }
  }

  const relinkJobs = {
    worker: (executors: JobExecutors, options?: RelinkWorkerOptions): RelinkWorker => relinkWorker(linker, executors, options),
    /** Works off every job no other worker holds, before returning: for tools that write names and exit (the seed). */
    async runAll(executors: JobExecutors) {
      const worker = relinkWorker(linker, executors);
      while ((await worker.step()) !== null);
    },
  };

  return { mentions: mentionReads, provenance: provenanceReads, relinkArticles, relinkJobs, nameIndexWorker, nameIndexBuilds: names.builds };
}
