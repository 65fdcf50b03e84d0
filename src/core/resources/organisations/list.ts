import { columnFilter, defineList, embedNested, embedOne, embedReverse, recordFilters } from '../../list/spec.js';
import { searchListExtension } from '../../search/list-extension.js';
import { substringSearch } from '../../search/substrings.js';
import { publicArticleId } from '../articles/publication.js';
import { articleOrganisations } from '../articles/table.js';
import { meetingOrganisations } from '../meetings/table.js';
import { organisations } from './table.js';

export const organisationList = defineList({
  sort: { name: organisations.name, updated_at: organisations.updated_at },
  filters: {
    ...recordFilters(organisations),
    name: columnFilter(organisations.name),
    kind: columnFilter(organisations.kind),
    country: columnFilter(organisations.country),
    parent: columnFilter(organisations.parent_id, 'id'),
  },
  include: {
    parent: embedOne('parent_id', 'organisations'),
    children: embedReverse(organisations, organisations.parent_id, organisations.id, 'organisations'),
    'members.person': embedNested('members', 'person_id', 'people'),
    meetings: embedReverse(meetingOrganisations, meetingOrganisations.organisation_id, meetingOrganisations.meeting_id, 'meetings'),
    articles: embedReverse(articleOrganisations, articleOrganisations.subject_id, articleOrganisations.article_id, 'articles', publicArticleId),
  },
  extensions: [searchListExtension('organisations')],
  substrings: substringSearch('organisations'),
  examples: { sort: 'name', filter: { kind: { in: 'ministry,agency' }, country: { eq: 'KW' } }, fields: 'id,slug,name,kind', include: 'parent,members.person' },
});
