import type { Repositories } from '../index.js';
import { resourceRoutes } from '../shared/routes.js';
import { person, personInput, personPatch } from './schemas.js';

export const personRoutes = (repositories: Repositories) =>
  resourceRoutes({
    path: 'people',
    name: 'Person',
    noun: 'person',
    record: person,
    input: personInput,
    patch: personPatch,
    repository: repositories.people,
  });
