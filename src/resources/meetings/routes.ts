import type { Repositories } from '../index.js';
import { resourceRoutes } from '../shared/routes.js';
import { meetingList } from './list.js';
import { meeting, meetingInput, meetingPatch } from './schemas.js';

export const meetingRoutes = (repositories: Repositories) =>
  resourceRoutes({
    path: 'meetings',
    name: 'Meeting',
    noun: 'meeting',
    record: meeting,
    input: meetingInput,
    patch: meetingPatch,
    list: meetingList,
    repository: repositories.meetings,
  });
