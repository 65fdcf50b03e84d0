import type { Test } from 'tap';
import type { ListQuery } from '../../src/core/list/query.js';
import { createListing } from '../../src/core/list/sql.js';
import type { Visibility } from '../../src/core/list/visibility.js';
import { articleList } from '../../src/core/resources/articles/list.js';
import { articles } from '../../src/core/resources/articles/table.js';
import type { Engine } from '../engines.js';
import { recordsOf } from '../helper.js';

/**
 * Every page of a query of the articles' list on an engine, following its cursors (at most 100 pages): the ids of
 * each page that holds any, checked to be the records read, and the first page's total.
 */
export async function walkArticles(t: Test, engine: Engine, query: ListQuery, visibility?: Visibility, options?: { examined?: number; countCap?: number }) {
  const listing = createListing({ statements: engine.statements, stamp: engine.stamp }, articles, articleList, undefined, options);
  const pages: string[][] = [];
  let cursor: string | undefined;
  let total: unknown;
  for (let read = 0; read === 0 || (cursor && read < 100); read++) {
    const page = await listing.page({ ...query, cursor }, visibility);
    total ??= page.total;
    t.strictSame(
      (await recordsOf(page)).map((record) => record.id),
      page.ids,
      'the records read are the ids listed',
    );
    if (page.ids.length > 0) pages.push(page.ids);
    cursor = page.nextCursor ?? undefined;
  }
  return { pages, ids: pages.flat(), total };
}
