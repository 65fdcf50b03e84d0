import { type BackgroundOptions, startBackgroundWork } from './background.js';
import { changeFeed } from './changes/feed.js';
import { defaultPoolMax } from './config.js';
import type { EngineLog } from './db/engine.js';
import { openEngine } from './db/engine-open.js';
import { holdEngine } from './db/handles.js';
import { claimIdempotencyKey, completeIdempotencyKey, type IdempotencyOptions, releaseIdempotencyKey, type StoredResponse } from './db/idempotency.js';
import { messageOf } from './errors.js';
import type { entityResources } from './facts/entities.js';
import type { Visibility } from './list/visibility.js';
import { type ImportOptions, importReport } from './resources/articles/import.js';
import { publicationSchedule } from './resources/articles/publication.js';
import type { ParsedReport } from './resources/articles/source-document.js';
import { createRepositories } from './resources/index.js';
import { byResource, type ResourceName } from './resources/registry.js';
import { recordService, type Versioned, type WriteOptions } from './resources/shared/record-service.js';
import type { Repository } from './resources/shared/repository.js';
import { type Restoring, restoreRevision, restoreTrashed } from './revisions/restore.js';
import { createSearch } from './search/search.js';
import { prepareForServing } from './serving.js';
import { dayMs } from './time.js';
import { type TrashPosition, trashListing } from './trash/listing.js';
import { purgeOldest, purgeTrashed } from './trash/purge.js';
import { deliveryListing } from './webhooks/deliveries.js';
import type { WebhookInput } from './webhooks/schemas.js';
import { createWebhook, redeliverDelivery, removeWebhook, updateWebhook, webhookReads } from './webhooks/store.js';

type EntityResource = (typeof entityResources)[number];
const declarations = byResource((resource) => resource);

export interface ServicesOptions {
  /** Milliseconds since the epoch: the moment public reads and writes judge `published_at` by. */
  clock?: () => number;
  /** DATABASE_POOL_MAX: PostgreSQL's connections per process. */
  poolMax?: number;
  /** DATABASE_READ_URL: a streaming replica of PostgreSQL's primary that serves reads. */
  readUrl?: string | null;
  /** WRITE_BATCH_MS: how long a batch of SQLite's group commit starts writes for. */
  writeBatchMs?: number;
  /** Where the engine tells of trouble it survives; one line on stderr each unless given. */
  log?: EngineLog;
}

const stderrLog: EngineLog = {
  warn: (message, error) => process.stderr.write(`khabar: ${message}${error === undefined ? '' : `: ${messageOf(error)}`}\n`),
  info: (message) => process.stderr.write(`khabar: ${message}\n`),
};

/**
 * The one entry point of the web layer into the core: everything a request reads or writes, built on the engine
 * `databaseUrl` names (core/db/engine.ts: SQLite for `file:`, PostgreSQL for `postgres:`), migrated. Reads and
 * writes return promises, and each write the API makes is one method that runs its own write transaction (a step
 * of group commit on SQLite); the web layer awaits them and never learns which engine answers.
 */
export async function openServices(databaseUrl: string, { clock = Date.now, poolMax = defaultPoolMax, readUrl = null, writeBatchMs, log = stderrLog }: ServicesOptions = {}) {
  const engine = await openEngine(databaseUrl, { poolMax, readUrl, writeBatchMs, log });
  const { writes, stamp } = engine;
  const sqlite = engine.name === 'sqlite' ? engine.database : null;
  // One set of repositories: a write runs them on its `tx`, a read on the read executor (`statements`).
  const repositories = createRepositories(clock);
  const { revisions, mentions, provenance } = repositories;
  // The reads written once for either engine (docs/postgresql.md, step 2).
  const statements = engine.reads;
  const trashed = trashListing(statements);
  // Each resource's finds; what an include can embed: every resource.
  const reads = byResource(({ name }) => repositories[name].reads(statements, stamp));
  const search = createSearch(statements, engine.index, stamp);
  const writerOf = (resource: ResourceName): Repository<Versioned, unknown> => repositories[resource];
  // A deleted record's revisions are found by its id: what no record's id or slug is, is taken as one.
  const readRecordId = async (resource: ResourceName, idOrSlug: string) => (await reads[resource].idOf(idOrSlug)) ?? idOrSlug;
  const restoring = (resource: ResourceName): Restoring => ({ resource: declarations[resource], repository: writerOf(resource), revisions, trash: repositories.trash });
  const idempotency: IdempotencyOptions = { ttlMs: dayMs, inFlightMs: 60_000 };

  const schedule = publicationSchedule(statements, stamp);

  const services = {
    /** Each resource's reads and writes (core/resources/shared/record-service.ts). */
    resources: byResource((resource) => recordService(resource, writerOf(resource.name), reads[resource.name], statements, writes, reads)),

    /** Every record's numbered revisions; a deleted record's are found by its id. */
    revisions: {
      async page(resource: ResourceName, idOrSlug: string, limit: number, before?: number) {
        return revisions.page(statements, resource, await readRecordId(resource, idOrSlug), limit, before);
      },
      async find(resource: ResourceName, idOrSlug: string, n: number) {
        return revisions.find(statements, resource, await readRecordId(resource, idOrSlug), n);
      },
      /** Writes revision `n`'s content as a new revision (core/revisions/restore.ts); null when there is no such revision. */
      async restore(resource: ResourceName, idOrSlug: string, n: number, options: WriteOptions) {
        return writes.run(async (tx) => restoreRevision(tx, restoring(resource), idOrSlug, n, options), options.observe);
      },
    },

    /** The trash: deleted records, listed, restored, purged. */
    trash: {
      page: (resource: ResourceName, limit: number, after?: TrashPosition) => trashed.page(resource, limit, after),
      count: (resource: ResourceName) => trashed.count(resource),
      /** Puts the record back as its last revision stored it, with the links kept; null when it is not in the trash. */
      async restore(resource: ResourceName, id: string, options: WriteOptions) {
        return writes.run(async (tx) => restoreTrashed(tx, restoring(resource), id, options.writer), options.observe);
      },
      /** Erases the record and its revisions for good; false when it is not in the trash. */
      async purge(resource: ResourceName, id: string, options: Pick<WriteOptions, 'observe'> = {}) {
        return writes.run((tx) => purgeTrashed(tx, resource, id, clock()), options.observe);
      },
      /** Purges up to `limit` of the records longest in the trash, in one transaction; how many it purged. */
      async purgeOldest(resource: ResourceName, limit: number, options: Pick<WriteOptions, 'observe'> = {}) {
        return writes.run((tx) => purgeOldest(tx, resource, limit, clock()), options.observe);
      },
    },

    /** The change feed's pages, and the commits told as they happen (none on SQLite), which wake the stream's watcher. */
    changes: {
      ...changeFeed(statements),
      notices: engine.notices,
      /** The engine's change stamp: a seq read between two reads of the same stamp is the feed's newest at the first. */
      stamp,
      /** Whether a read of the feed holds every commit the change stamp has moved for: SQLite's one file does; PostgreSQL's reads may be a replica's, behind it. */
      readsEveryCommit: engine.name === 'sqlite',
    },

    /** The webhooks: subscriptions and their deliveries (the admin's). */
    webhooks: {
      ...webhookReads(statements),
      ...deliveryListing(statements),
      async create(input: WebhookInput) {
        return writes.run((tx) => createWebhook(tx, input));
      },
      async update(id: string, patch: Partial<WebhookInput>) {
        return writes.run((tx) => updateWebhook(tx, id, patch));
      },
      async remove(id: string) {
        return writes.run((tx) => removeWebhook(tx, id));
      },
      async redeliver(webhookId: string, id: number) {
        return writes.run((tx) => redeliverDelivery(tx, webhookId, id, clock()));
      },
    },

    /** Mentions and provenance; null when the article or record is not there for `visibility`. */
    facts: {
      async mentions(articleIdOrSlug: string, visibility: Visibility) {
        const id = await reads.articles.idOf(articleIdOrSlug, visibility);
        return id === null ? null : mentions.list(statements, id);
      },
      async provenance({ name, type }: EntityResource, idOrSlug: string, visibility: Visibility) {
        const id = await reads[name].idOf(idOrSlug, visibility);
        return id === null ? null : provenance.list(statements, { type, id }, visibility);
      },
    },

    search,

    /**
     * The records a representation refers to (JSON-LD's and ninjs's names of related records), in the order
     * asked; null for one that is gone. Read as every reader sees them, drafts too, as the mappers always have.
     */
    async referenced(references: ReadonlyArray<readonly [ResourceName, string]>) {
      return Promise.all(references.map(([resource, id]) => reads[resource].find(id)));
    },

    /** A report in plain text written as a new article, with the mentions linking found in it (core/resources/articles/import.ts). */
    async importArticle(report: ParsedReport, options: ImportOptions) {
      return writes.run((tx) => importReport(tx, repositories, report, options), options.observe);
    },

    /**
     * The Idempotency-Key store: a day's keys, a request's claim held a minute at most. Its writes append no change, so
     * they run as claims (on PostgreSQL without the feed's lock, at read committed: a racing claim of the same key
     * waits on the key's row, then reads it committed).
     */
    idempotency: {
      claim: (writer: string, key: string, fingerprint: string, now = Date.now()) => writes.claim((tx) => claimIdempotencyKey(tx, idempotency, { writer, key, fingerprint }, now)),
      complete: (writer: string, key: string, response: StoredResponse) => writes.claim((tx) => completeIdempotencyKey(tx, writer, key, response)),
      release: (writer: string, key: string) => writes.claim((tx) => releaseIdempotencyKey(tx, writer, key)),
    },

    /** The earliest scheduled publication after a moment, and the change stamp read (core/resources/articles/publication.ts). */
    schedule,

    /** Call before a request consults a per-process cache: every write committed before it is then no longer served from one (core/db/engine.ts). */
    catchUp: () => engine.catchUp(),

    /** Resolves once the database answers a query. */
    ping: () => engine.ping(),

    /** What start-up should log about the database as found (PostgreSQL's locale, say), a line each. */
    warnings: engine.warnings,

    /** Read-your-writes across nodes by log positions (the Khabar-Position header); null on SQLite (core/db/read-positions.ts). */
    positions: engine.positions,

    /** Starts the server's background jobs (core/background.ts); resolves once the first announcement has run. */
    startBackground(options: BackgroundOptions) {
      return startBackgroundWork(repositories, { writes, reads: statements, notices: engine.notices, upkeep: engine.upkeep }, options);
    },

    /** Readies the database to be served: a stale search index rebuilt, the seed when empty (core/serving.ts). */
    prepare(seed: 'auto' | 'never') {
      return prepareForServing({ reads: statements, write: (body) => writes.runWaitingForLock(body), claim: (body) => writes.claim(body), index: engine.index }, repositories, seed);
    },

    /** Lets what is under way finish, then closes the database. */
    close: () => engine.close(),
  };
  holdEngine(services, { name: engine.name, reads: statements, writes, stamp, index: engine.index, stores: { ...repositories, search }, database: sqlite });
  return services;
}

export type Services = Awaited<ReturnType<typeof openServices>>;
