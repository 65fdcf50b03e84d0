import { publicationAnnouncer } from '../changes/publications.js';
import { changeStore } from '../changes/store.js';
import type { Db } from '../db/database.js';
import { createFacts } from '../facts/index.js';
import { revisionStore } from '../revisions/store.js';
import { indexWrite } from '../search/indexer.js';
import { trashStore } from '../trash/store.js';
import { type AnyResource, resources } from './registry.js';

type ResourceRepositories = { [R in AnyResource as R['name']]: ReturnType<R['repository']> };

/**
 * The data layer: every query khabar runs goes through one of these. `clock` (milliseconds since the epoch) is
 * the moment a write judges an article's `published_at` ahead or past by: the one public reads use. `db`, SQLite's
 * connection, is what the facts' reads still take (null on PostgreSQL: they fail there).
 */
export function createRepositories(db: Db | null, clock: () => number = Date.now) {
  const repositories = Object.fromEntries(resources.map((resource) => [resource.name, resource.repository()])) as ResourceRepositories;
  const revisions = revisionStore(repositories);
  const changes = changeStore();
  const publications = publicationAnnouncer(clock);
  // Before the feed's listener: a publication that came due before an article's write is announced before it.
  repositories.articles.onWrite((event, tx) => publications.follow(event, tx));
  const trash = trashStore(
    resources.flatMap(({ name }) => repositories[name].linkTables),
    revisions,
  );
  // Wired here, where repositories are made, so no write path (API, seed, CLI) can bypass the index.
  for (const { name } of resources) {
    repositories[name].onWrite((event, tx) => indexWrite(tx, name, event));
    repositories[name].onWrite(revisions.follow(name));
    repositories[name].onWrite(changes.follow(name));
    repositories[name].onRemoving(trash.keep(name));
    repositories[name].onInserted(trash.takeBack(name));
  }
  return { ...repositories, ...createFacts(db, repositories), revisions, changes, publications, trash };
}

export type Repositories = ReturnType<typeof createRepositories>;
