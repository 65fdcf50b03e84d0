import { meetings } from '../meetings/table.js';
import { organisations } from '../organisations/table.js';
import { people } from '../people/table.js';
import { listRelation } from '../shared/relations.js';
import { createRepository, type Reference, type ResourceTable } from '../shared/repository.js';
import { articleList } from './list.js';
import { withPublicationDate } from './publication.js';
import { type Article, type ArticleInput, unembeddedArticleFields } from './schemas.js';
import { articleMeetings, articleOrganisations, articlePeople, articles, type Block, blockSeparator } from './table.js';

/** The plain-text body: block texts joined by blank lines. Mention offsets index into this string. */
export const plainText = (body: Block[]): string => body.map((block) => block.text).join(blockSeparator);

const subjects = [
  { key: 'person_ids', table: articlePeople, target: people },
  { key: 'organisation_ids', table: articleOrganisations, target: organisations },
  { key: 'meeting_ids', table: articleMeetings, target: meetings },
] as const;

function subjectReferences(input: ArticleInput): Reference[] {
  return subjects.flatMap(({ key, target }) => (input[key] ?? []).map((id, i): Reference => ({ path: `${key}.${i}`, table: target as ResourceTable, id })));
}

export function articleRepository() {
  return createRepository<Article, ArticleInput>({
    table: articles,
    noun: 'article',
    list: articleList,
    relations: subjects.map(({ key, table }) =>
      listRelation({
        key,
        table,
        parent: 'article_id',
        item: table.subject_id,
        toRow: (subject_id: string, article_id, position) => ({ article_id, position, subject_id }),
      }),
    ),
    unembedded: unembeddedArticleFields,
    computed: { body_text: (article) => plainText(article.body) },
    references: subjectReferences,
    complete: withPublicationDate,
  });
}
