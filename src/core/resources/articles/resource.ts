import { single } from '../../search/fields.js';
import { defineResource } from '../shared/declaration.js';
import { articleBodyStart } from './body-start.js';
import { articleList } from './list.js';
import { articleRepository } from './repository.js';
import { article, articleInput, articlePatch, unembeddedArticleFields } from './schemas.js';
import { articleBodyTextIn, articles } from './table.js';

export const articleResource = defineResource({
  name: 'articles',
  noun: 'article',
  description: 'News reports: title, body blocks, and what they are about',
  table: articles,
  record: article,
  input: articleInput,
  patch: articlePatch,
  list: articleList,
  repository: articleRepository,
  search: { label: 'title', title: [single('title')], body: [single('body_text', { sql: articleBodyTextIn, start: articleBodyStart })] },
  unembedded: unembeddedArticleFields,
});
