import { articleList } from '../../../core/resources/articles/list.js';
import { article, articleInput, articlePatch } from '../../../core/resources/articles/schemas.js';
import type { Repositories } from '../../../core/resources/index.js';
import { resourceRoutes } from '../shared/routes.js';

export const articleRoutes = (repositories: Repositories) =>
  resourceRoutes({
    path: 'articles',
    name: 'Article',
    noun: 'article',
    record: article,
    input: articleInput,
    patch: articlePatch,
    list: articleList,
    repository: repositories.articles,
  });
