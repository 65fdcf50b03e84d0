import { list, single } from '../../search/fields.js';
import { defineResource } from '../shared/declaration.js';
import { organisationList } from './list.js';
import { organisationRepository } from './repository.js';
import { organisation, organisationInput, organisationPatch } from './schemas.js';
import { organisations } from './table.js';

export const organisationResource = defineResource({
  name: 'organisations',
  noun: 'organisation',
  description: 'Ministries, agencies, governments and committees',
  table: organisations,
  record: organisation,
  input: organisationInput,
  patch: organisationPatch,
  list: organisationList,
  repository: organisationRepository,
  search: { label: 'name', title: [single('name'), list('aliases')], body: [] },
  entity: 'organisation',
});
