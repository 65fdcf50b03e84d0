import type { Repositories } from '../index.js';
import { resourceRoutes } from '../shared/routes.js';
import { articleList } from './list.js';
import { article, articleInput, articlePatch } from './schemas.js';

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
