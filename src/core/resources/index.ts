import type { Db } from '../db/database.js';
import { createFacts } from '../facts/index.js';
import { searchIndexer } from '../search/indexer.js';
import { articleRepository } from './articles/repository.js';
import { meetingRepository } from './meetings/repository.js';
import { organisationRepository } from './organisations/repository.js';
import { personRepository } from './people/repository.js';

/** The data layer: every query khabar runs goes through one of these. */
export function createRepositories(db: Db) {
  const resources = {
    articles: articleRepository(db),
    people: personRepository(db),
    organisations: organisationRepository(db),
    meetings: meetingRepository(db),
  };
  // Wired here, where repositories are made, so no write path (API, seed, CLI) can bypass the index.
  const index = searchIndexer(db);
  for (const [type, repository] of Object.entries(resources)) repository.onWrite(index.follow(type as keyof typeof resources));
  return { ...resources, ...createFacts(db, resources) };
}

export type Repositories = ReturnType<typeof createRepositories>;

/** The four resources, as they are named in URLs and in the repositories. */
export const resourceKinds = ['articles', 'people', 'organisations', 'meetings'] as const;
export type ResourceKind = (typeof resourceKinds)[number];
