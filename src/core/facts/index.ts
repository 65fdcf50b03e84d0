import { gt, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import type { Article } from '../resources/articles/schemas.js';
import { articleBodyText, articles } from '../resources/articles/table.js';
import { organisations } from '../resources/organisations/table.js';
import { people } from '../resources/people/table.js';
import type { ResourceName } from '../resources/registry.js';
import { inIdList } from '../resources/shared/relations.js';
import type { Repository, WriteEvent } from '../resources/shared/repository.js';
import { type NameIndex, type NameSource, nameIndex } from '../text/linking.js';
import { articlesToRelinkStore, everyRow } from './articles-to-relink.js';
import { type EntityRef, entityResources } from './entities.js';
import { type ArticleTexts, mentionStore, type NewMention, relocateCuratedMentions, setAutoMentions } from './mentions.js';
import { type FieldChange, provenanceStore, recordWrite, relocateQuotes, unsourcedChanges } from './provenance.js';
import { relinkBatch, relinkJobStore } from './relink-jobs.js';
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

/** A prepared `id > :after order by id limit :limit` statement. */
interface RowsAfter<Row extends { id: string }> {
  all(values: { after: string; limit: number }): Row[];
}

/** Every row of a table in id order, a page of `limit` rows at a time. */
function* keysetPages<Row extends { id: string }>(statement: RowsAfter<Row>, limit: number): Generator<Row[]> {
  for (let after = ''; ; ) {
    const page = statement.all({ after, limit });
    if (page.length > 0) yield page;
    if (page.length < limit) return;
    after = page.at(-1)!.id;
  }
}

const nameSourcePage = 250;

/** Every person and organisation with its name forms, read a page at a time, so the index never holds every row at once. */
export function nameSources(db: Db): () => Iterable<NameSource<NamedRef>> {
  const after = sql.placeholder('after');
  const limit = sql.placeholder('limit');
  const personPage = db
    .select({ id: people.id, name: people.name, honorific: people.honorific, aliases: people.aliases })
    .from(people)
    .where(gt(people.id, after))
    .orderBy(people.id)
    .limit(limit)
    .prepare();
  const organisationPage = db
    .select({ id: organisations.id, name: organisations.name, aliases: organisations.aliases })
    .from(organisations)
    .where(gt(organisations.id, after))
    .orderBy(organisations.id)
    .limit(limit)
    .prepare();

  return function* () {
    for (const page of keysetPages(personPage, nameSourcePage)) for (const p of page) yield nameSource('person', p);
    for (const page of keysetPages(organisationPage, nameSourcePage)) for (const o of page) yield nameSource('organisation', o);
  };
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

/** Entities a slice of a background build indexes: a page of sources, a few ms of the event loop (docs/performance.md). */
const buildSlice = nameSourcePage;

/** The index of `sources`, built a slice of entities per `next()`; the generator returns it. */
function* buildInSlices(sources: Iterable<NameSource<NamedRef>>): Generator<void, NameIndex<NamedRef>> {
  const index = nameIndex<NamedRef>([]);
  let indexed = 0;
  for (const source of sources) {
    index.put(source);
    if (++indexed % buildSlice === 0) yield;
  }
  return index;
}

/**
 * The name index of every person and organisation, kept current: brought forward one entity at a time for the
 * writes this process makes, and built again when the names changed in a way this process did not follow
 * (another worker, a bulk load, a rolled-back write: see name_forms_revision).
 *
 * A server builds it in the background (`buildSlice`, a slice per step between group commit's batches), at start
 * and whenever it falls behind, so no request waits for a build: a write that finds it behind links with it as
 * it is and records its article (articles-to-relink.ts) to be linked again by an index built after the record. A
 * tool, with no background worker, builds it when a write needs it, as does a server's write that comes before
 * the first build.
 */
function nameIndexFollowing(db: Db, toRelink: ReturnType<typeof articlesToRelinkStore>) {
  const sources = nameSources(db);
  const readRevision = db.select({ revision: nameFormsRevision.revision, previous: nameFormsRevision.previous }).from(nameFormsRevision).prepare();
  // The migration that creates the row inserts it, and nothing deletes it.
  const revisionNow = () => readRevision.get()!;
  /** `covered`: the newest article to relink recorded before the build read the names, which it links as they were then or later. */
  let built: { index: NameIndex<NamedRef>; revision: string; covered: number } | null = null;
  /** Moves whenever `built` does: a build in slices installs its index only if nothing newer came meanwhile. */
  let generation = 0;
  /** A build in slices under way, what it covers, the revision read before its first page, and the generation it started at. */
  let building: { slices: Generator<void, NameIndex<NamedRef>>; revision: string; covered: number; since: number } | null = null;
  let inBackground = false;
  let builds = 0;

  function install(index: NameIndex<NamedRef>, revision: string, covered: number) {
    built = { index, revision, covered };
    builds++;
    generation++;
  }

  /** What a background build starts from: the articles to relink it covers, read before the names' revision. */
  function startingPoint() {
    const covered = toRelink.newest();
    return { covered, revision: revisionNow().revision };
  }

  /** A build a write or a tool waits for; it covers no article to relink, which waits for a background build or an index current. */
  function buildNow(revision: string) {
    const slices = buildInSlices(sources());
    for (let slice = slices.next(); ; slice = slices.next()) if (slice.done) return install(slice.value, revision, 0);
  }

  /** The index to link a write's article with, and whether it is behind the names (then the article is to be linked again). */
  function current(): { index: NameIndex<NamedRef>; behind: boolean } {
    const { revision } = revisionNow();
    if (built?.revision !== revision) {
      if (built && inBackground) return { index: built.index, behind: true };
      buildNow(revision);
    }
    return { index: built!.index, behind: false };
  }

  return {
    current,
    /** Whether the index is at the names' revision; where no background worker builds it, it is built now if need be. */
    ready(): boolean {
      if (!inBackground) current();
      return built?.revision === revisionNow().revision;
    },
    /** After a write to a person or organisation, inside its transaction: its names go into the index even while it is behind. */
    follow(type: NamedType, event: WriteEvent<{ id: string }>) {
      const now = revisionNow();
      if (!built || now.revision === built.revision) return;
      if (event.kind === 'delete') built.index.remove(event.id, nameForms(named(event.previous)));
      else built.index.put(nameSource(type, named(event.record)), event.kind === 'replace' ? nameForms(named(event.previous)) : []);
      if (now.previous === built.revision) {
        built.revision = now.revision;
        generation++;
      }
    },
    /**
     * Makes this process build the index in the background: the function returned builds the next slice, or starts
     * a build when the index is behind the names; false when it is current. A build installs what it read and, if
     * the names changed meanwhile, the next step starts another.
     */
    buildInBackground(): () => boolean {
      inBackground = true;
      return () => {
        if (!building) {
          const start = startingPoint();
          if (built?.revision === start.revision) return false;
          building = { slices: buildInSlices(sources()), ...start, since: generation };
        }
        const { slices, revision, covered, since } = building;
        let slice: IteratorResult<void, NameIndex<NamedRef>>;
        try {
          slice = slices.next();
        } catch (error) {
          // A generator that threw is finished: the next step starts the build again.
          building = null;
          throw error;
        }
        if (slice.done) {
          building = null;
          // A write built it, or brought it forward, while this build read: what this build read may be older.
          if (generation === since) install(slice.value, revision, covered);
        }
        return true;
      };
    },
    /** The newest article to relink that the index links as the names were when it was recorded, or later (every one when it is current); none before the first build. */
    covered(): number {
      if (!built) return 0;
      return built.revision === revisionNow().revision ? everyRow : built.covered;
    },
    /** How many times the index was built (for the tests: a write after the start's build builds none). */
    builds: () => builds,
  };
}

/**
 * Mentions and provenance, kept in step with every write (inside its transaction): an article write
 * relocates its curated mentions and quotes and relinks it; a write to a person, organisation or
 * meeting records the writer as the source of the fields it changed.
 */
export function createFacts(db: Db, resources: Resources) {
  const mentions = mentionStore(db);
  const provenance = provenanceStore(db);
  const toRelink = articlesToRelinkStore(db);
  const names = nameIndexFollowing(db, toRelink);

  const namedBy = { person: resources.people, organisation: resources.organisations };

  /**
   * An article's mentions as linking finds them. With an index behind the names, the article is recorded to be
   * linked again, and an entity another process deleted meanwhile is left out (its mention would break the foreign key).
   */
  function link(articleId: string, texts: ArticleTexts): NewMention[] {
    const { index, behind } = names.current();
    if (!behind) return linkMentions(index, texts);
    toRelink.record(articleId);
    const found = linkMentions(index, texts);
    // One look per entity, not per mention; a meeting is never in the name index (the check narrows the type).
    const entities = new Map(found.map(({ entity }) => [entity.id, entity]));
    const gone = new Set([...entities.values()].filter((entity) => entity.type !== 'meeting' && namedBy[entity.type].idOf(entity.id) === null).map(({ id }) => id));
    return found.filter(({ entity }) => !gone.has(entity.id));
  }

  resources.articles.onWrite(async (event, tx) => {
    if (event.kind === 'delete') return;
    const id = event.record.id;
    const after = articleTexts(event.record);
    const before = event.kind === 'replace' ? articleTexts(event.previous) : null;
    // With the same texts every curated mention and quote is where it was: relocating would rewrite the same rows.
    if (before && (before.title !== after.title || before.body !== after.body)) {
      await relocateCuratedMentions(tx, id, before, after);
      await relocateQuotes(tx, id, before, after);
    }
    await setAutoMentions(tx, id, link(id, after));
  });

  for (const { name, type } of entityResources) {
    resources[name].onWrite(async (event, tx) => {
      if (type !== 'meeting') names.follow(type, event);
      if (event.kind === 'delete') return;
      if (type !== 'meeting') relinkForNames(type, event);
      const entity = { type, id: event.record.id };
      const changes = changedFields(event);
      await recordWrite(tx, entity, event.kind === 'create' ? await unsourcedChanges(tx, entity, changes) : changes, event.context.writer);
    });
  }

  const articleTextColumns = { id: articles.id, title: articles.title, body_text: articleBodyText };
  const articleTextsByIds = db.select(articleTextColumns).from(articles).where(inIdList(articles.id)).prepare();
  const relinkArticle = (article: { id: string; title: string; body_text: string }) => mentions.setAuto(article.id, link(article.id, articleTexts(article)));
  const relinkByIds = (articleIds: string[]) => articleTextsByIds.all({ ids: JSON.stringify(articleIds) }).forEach(relinkArticle);
  const relinkJobs = relinkJobStore(db, mentions, { ready: names.ready, relink: relinkByIds });

  /**
   * The server's worker that keeps the name index current (a slice of a build a step) and links again, a batch of
   * rows per transaction, the articles recorded while an index was behind, once the index covers them: before the
   * next build, so names that keep changing never hold them back. Linked by an index still behind the names, an
   * article is recorded again, for the next build. Null when there is nothing to do.
   */
  function nameIndexWorker(batch = relinkBatch) {
    const buildSlice = names.buildInBackground();
    return {
      step(): { built: true } | { relinked: string[] } | null {
        // Read first, so that a worker with nothing to relink takes no write lock.
        if (toRelink.waiting(names.covered())) {
          const ids = db.transaction(
            () => {
              // An article the index, still behind, links here is recorded anew, past the rows taken: for the next build.
              const taken = toRelink.take(names.covered(), batch);
              relinkByIds(taken);
              return taken;
            },
            { behavior: 'immediate' },
          );
          return { relinked: ids };
        }
        if (buildSlice()) return { built: true };
        return null;
      },
      release() {},
    };
  }

  /**
   * A person or organisation whose name forms changed (or a new one) may be named in articles written
   * before: the write records the forms it added or removed, and the articles that contain one of them, in
   * any spelling linking accepts, and those linked to the entity now are relinked after it (relink-jobs.ts).
   * Deleting one removes its mentions (foreign key cascade).
   */
  function relinkForNames(type: NamedType, event: Exclude<WriteEvent<{ id: string }>, { kind: 'delete' }>) {
    const after = nameForms(named(event.record));
    const before = event.kind === 'replace' ? nameForms(named(event.previous)) : [];
    const changed = [...new Set([...after.filter((form) => !before.includes(form)), ...before.filter((form) => !after.includes(form))])];
    if (changed.length > 0) relinkJobs.record({ type, id: event.record.id }, changed);
  }

  const articlesAfter = db
    .select(articleTextColumns)
    .from(articles)
    .where(gt(articles.id, sql.placeholder('after')))
    .orderBy(articles.id)
    .limit(sql.placeholder('limit'))
    .prepare();

  /**
   * Links every article anew, a batch per transaction: for articles written around the repositories (a bulk
   * load), which the linking on every write never saw.
   */
  function relinkArticles(batchSize = 2000) {
    for (const batch of keysetPages(articlesAfter, batchSize)) {
      db.transaction(() => batch.forEach(relinkArticle));
    }
  }

  return { mentions, provenance, relinkArticles, relinkJobs, nameIndexWorker, nameIndexBuilds: names.builds };
}
