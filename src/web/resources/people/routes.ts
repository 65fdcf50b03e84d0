import type { Repositories } from '../../../core/resources/index.js';
import { personList } from '../../../core/resources/people/list.js';
import { person, personInput, personPatch } from '../../../core/resources/people/schemas.js';
import { resourceRoutes } from '../shared/routes.js';

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
