import { columnFilter, defineList, embedMany, linkFilter, recordFilters } from '../../list/spec.js';
import { searchListExtension } from '../../search/list-extension.js';
import { substringSearch } from '../../search/substrings.js';
import { publicArticle } from './publication.js';
import { articleMeetings, articleOrganisations, articlePeople, articles } from './table.js';

export const articleList = defineList({
  sort: { published_at: articles.published_at, title: articles.title, updated_at: articles.updated_at },
  filters: {
    ...recordFilters(articles),
    title: columnFilter(articles.title),
    language: columnFilter(articles.language),
    status: columnFilter(articles.status),
    published_at: columnFilter(articles.published_at, 'date'),
    person: linkFilter(articlePeople.subject_id, articlePeople.article_id),
    organisation: linkFilter(articleOrganisations.subject_id, articleOrganisations.article_id),
    meeting: linkFilter(articleMeetings.subject_id, articleMeetings.article_id),
  },
  include: {
    people: embedMany('person_ids', 'people'),
    organisations: embedMany('organisation_ids', 'organisations'),
    meetings: embedMany('meeting_ids', 'meetings'),
  },
  extensions: [searchListExtension('articles')],
  substrings: substringSearch('articles'),
  derivedFrom: [articles.body],
  visibleWhen: publicArticle,
  examples: { sort: '-published_at,title', filter: { language: { eq: 'ar' }, published_at: { gte: '2026-01-01' } }, fields: 'id,slug,title,person_ids', include: 'people,organisations' },
});
