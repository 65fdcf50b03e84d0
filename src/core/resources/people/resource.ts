import { list, single } from '../../search/fields.js';
import { defineResource } from '../shared/declaration.js';
import { personList } from './list.js';
import { personRepository } from './repository.js';
import { person, personInput, personPatch } from './schemas.js';
import { people } from './table.js';

export const personResource = defineResource({
  name: 'people',
  noun: 'person',
  description: 'People named in the news, with their affiliations',
  table: people,
  record: person,
  input: personInput,
  patch: personPatch,
  list: personList,
  repository: personRepository,
  search: { label: 'name', title: [single('name'), list('aliases')], body: [single('position')] },
  entity: 'person',
});
