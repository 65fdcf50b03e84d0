import type { Db } from '../db/database.js';
import { searchIndexer } from '../search/indexer.js';
import { articleRepository } from './articles/repository.js';
import { meetingRepository } from './meetings/repository.js';
import { organisationRepository } from './organisations/repository.js';
import { personRepository } from './people/repository.js';

/** The data layer: every query khabar runs goes through one of these. */
export function createRepositories(db: Db) {
  const repositories = {
    articles: articleRepository(db),
    people: personRepository(db),
    organisations: organisationRepository(db),
    meetings: meetingRepository(db),
  };
  // Wired here, where repositories are made, so no write path (API, seed, CLI) can bypass the index.
  const index = searchIndexer(db);
  for (const [type, repository] of Object.entries(repositories)) repository.onWrite(index.follow(type as keyof typeof repositories));
  return repositories;
}

export type Repositories = ReturnType<typeof createRepositories>;
