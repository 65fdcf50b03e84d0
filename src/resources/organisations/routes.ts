import type { Repositories } from '../index.js';
import { resourceRoutes } from '../shared/routes.js';
import { organisationList } from './list.js';
import { organisation, organisationInput, organisationPatch } from './schemas.js';

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
