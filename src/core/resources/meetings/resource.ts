import { list, single } from '../../search/fields.js';
import { defineResource } from '../shared/declaration.js';
import { meetingList } from './list.js';
import { meetingRepository } from './repository.js';
import { meeting, meetingInput, meetingPatch } from './schemas.js';
import { meetings } from './table.js';

export const meetingResource = defineResource({
  name: 'meetings',
  noun: 'meeting',
  description: 'Meetings with their host, participants, topics and outcomes',
  table: meetings,
  record: meeting,
  input: meetingInput,
  patch: meetingPatch,
  list: meetingList,
  repository: meetingRepository,
  search: { label: 'title', title: [single('title')], body: [single('summary'), list('topics'), list('outcomes'), single('location')] },
  entity: 'meeting',
});
