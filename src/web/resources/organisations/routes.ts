import type { Repositories } from '../../../core/resources/index.js';
import { organisationList } from '../../../core/resources/organisations/list.js';
import { organisation, organisationInput, organisationPatch } from '../../../core/resources/organisations/schemas.js';
import { resourceRoutes } from '../shared/routes.js';

export const organisationRoutes = (repositories: Repositories) =>
  resourceRoutes({
    path: 'organisations',
    name: 'Organisation',
    noun: 'organisation',
    record: organisation,
    input: organisationInput,
    patch: organisationPatch,
    list: organisationList,
    repository: repositories.organisations,
  });
