import type { Repositories } from '../index.js';
import { resourceRoutes } from '../shared/routes.js';
import { personList } from './list.js';
import { person, personInput, personPatch } from './schemas.js';

export const personRoutes = (repositories: Repositories) =>
  resourceRoutes({
    path: 'people',
    name: 'Person',
    noun: 'person',
    record: person,
    input: personInput,
    patch: personPatch,
    list: personList,
    repository: repositories.people,
  });
