import { columnFilter, defineList, embedNested, embedReverse, linkFilter, recordFilters } from '../../list/spec.js';
import { searchListExtension } from '../../search/list-extension.js';
import { substringSearch } from '../../search/substrings.js';
import { publicArticleId } from '../articles/publication.js';
import { articlePeople } from '../articles/table.js';
import { meetingParticipants } from '../meetings/table.js';
import { affiliations, people } from './table.js';

export const personList = defineList({
  sort: { name: people.name, updated_at: people.updated_at },
  filters: {
    ...recordFilters(people),
    name: columnFilter(people.name),
    country: columnFilter(people.country),
    organisation: linkFilter(affiliations.organisation_id, affiliations.person_id),
  },
  include: {
    'affiliations.organisation': embedNested('affiliations', 'organisation_id', 'organisations'),
    meetings: embedReverse(meetingParticipants, meetingParticipants.person_id, meetingParticipants.meeting_id, 'meetings'),
    articles: embedReverse(articlePeople, articlePeople.subject_id, articlePeople.article_id, 'articles', publicArticleId),
  },
  extensions: [searchListExtension('people')],
  substrings: substringSearch('people'),
  examples: { sort: 'name', filter: { country: { eq: 'KW' } }, fields: 'id,slug,name,honorific', include: 'affiliations.organisation' },
});
