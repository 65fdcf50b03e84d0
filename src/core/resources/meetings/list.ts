import { columnFilter, defineList, embedMany, embedNested, embedOne, linkFilter, recordFilters } from '../../list/spec.js';
import { searchListExtension } from '../../search/list-extension.js';
import { substringSearch } from '../../search/substrings.js';
import { meetingOrganisations, meetingParticipants, meetings } from './table.js';

export const meetingList = defineList({
  sort: { starts_at: meetings.starts_at, title: meetings.title, updated_at: meetings.updated_at },
  filters: {
    ...recordFilters(meetings),
    title: columnFilter(meetings.title),
    status: columnFilter(meetings.status),
    starts_at: columnFilter(meetings.starts_at, 'date'),
    host: columnFilter(meetings.host_organisation_id, 'id'),
    participant: linkFilter(meetingParticipants.person_id, meetingParticipants.meeting_id),
    organisation: linkFilter(meetingOrganisations.organisation_id, meetingOrganisations.meeting_id),
  },
  include: {
    host: embedOne('host_organisation_id', 'organisations'),
    'participants.person': embedNested('participants', 'person_id', 'people'),
    'participants.organisation': embedNested('participants', 'organisation_id', 'organisations'),
    organisations: embedMany('organisation_ids', 'organisations'),
    articles: embedMany('article_ids', 'articles'),
  },
  extensions: [searchListExtension('meetings')],
  substrings: substringSearch('meetings'),
  examples: { sort: '-starts_at', filter: { status: { eq: 'held' } }, fields: 'id,slug,title,participants', include: 'host,participants.person' },
});
