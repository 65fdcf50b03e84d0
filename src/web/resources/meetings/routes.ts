import type { Repositories } from '../../../core/resources/index.js';
import { meetingList } from '../../../core/resources/meetings/list.js';
import { meeting, meetingInput, meetingPatch } from '../../../core/resources/meetings/schemas.js';
import { resourceRoutes } from '../shared/routes.js';

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
