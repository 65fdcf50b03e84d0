import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { nextPageLink } from '../../core/list/cursor.js';
import { listLinks, listMeta } from '../../core/resources/shared/schemas.js';
import { searchText } from '../../core/search/query.js';
import { commonTermRecords, commonTermsRequired } from '../../core/search/required-terms.js';
import { rankedMatchesLimit, rankedPostingsLimit } from '../../core/search/search.js';
import { snippetLength } from '../../core/search/snippet.js';
import { isSearchType, searchTypes } from '../../core/search/sources.js';
import type { Services } from '../../core/services.js';
import { problemResponses } from '../http/problem.js';
import { pageSize } from '../list/params.js';

const typeList = new RegExp(`^(${searchTypes.join('|')})(,(${searchTypes.join('|')}))*$`);

const searchQuery = z.strictObject({
  q: searchText,
  type: z
    .string()
    .max(200)
    .regex(typeList, `must be a comma-separated list of: ${searchTypes.join(', ')}`)
    .optional()
    .meta({ description: 'restrict to these resource types (default: all)', example: 'articles,meetings' }),
  limit: pageSize(100, 20),
  cursor: z.string().max(512).optional().meta({ description: 'opaque cursor from meta.next_cursor of the same query' }),
});

const span = z.object({ start: z.number().int(), end: z.number().int() }).meta({ id: 'TextSpan' });

const snippet = z
  .object({
    field: z.string().meta({ description: 'the field the snippet is cut from; list items by index', example: 'body_text' }),
    start: z.number().int().meta({ description: 'where `text` starts in the field (UTF-16 code units)' }),
    end: z.number().int().meta({ description: 'where `text` ends in the field' }),
    text: z.string().meta({ description: `at most about ${snippetLength} characters of the original text, cut at spaces` }),
    matches: z.array(span).meta({ description: 'the matched words or phrases, as offsets into `text`' }),
    html: z.string().meta({ description: '`text` HTML-escaped, matches in `<mark>`, `…` where the field goes on' }),
  })
  .meta({ id: 'SearchSnippet' });

const searchResult = z
  .object({
    type: z.enum(searchTypes),
    id: z.string(),
    slug: z.string(),
    title_or_name: z.string().meta({ description: 'the title (articles, meetings) or name (people, organisations)' }),
    score: z
      .number()
      .nullable()
      .meta({
        description: `relevance (BM25, higher is better), comparable only within one query; null when the query is too broad to rank (more than ${rankedMatchesLimit.toLocaleString('en')} matches, or its terms held by more than ${rankedPostingsLimit.toLocaleString('en')} records together), whose results come newest first instead`,
      }),
    snippet,
  })
  .meta({ id: 'SearchResult' });

const searchResponse = z.object({ data: z.array(searchResult), meta: listMeta, links: listLinks }).meta({ id: 'SearchResults' });

/** GET /v1/search: ranked full-text search across the four resources. */
export function searchRoutes(search: Services['search']): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/search', {
      config: { traits: { rateLimit: 'read', cacheable: true, formats: 'json' } },
      schema: {
        tags: ['search'],
        operationId: 'search',
        summary: 'Search all resources',
        description:
          'Full-text search with BM25 ranking: a record holding a query word as written ranks above one holding only another word of ' +
          'the same light stem (وكيل above «الكيل»), and titles and names weigh more than body text. ' +
          'Arabic-aware normalisation and light stemming. Each result carries a snippet of the original text with match offsets. ' +
          `A query matching more than ${rankedMatchesLimit.toLocaleString('en')} records is too broad to rank: its results come newest first, with a null score. ` +
          `So is a query whose terms more than ${rankedPostingsLimit.toLocaleString('en')} records hold, counting a record once per term (BM25 reads each term's every record), however few hold them all. ` +
          `Of the words, phrases and prefixes more than ${commonTermRecords.toLocaleString('en')} records hold (common terms), a query requires at most ${commonTermsRequired}, the rarest (estimated from how densely their newest records hold them); ` +
          'it requires all its other terms, and the common terms left out are neither ranked nor marked in snippets, as function words beside other words are.',
        querystring: searchQuery,
        response: { 200: searchResponse, ...problemResponses(400) },
      },
      handler: async (request) => {
        const { q, type, limit, cursor } = request.query;
        // The schema's pattern lets through only resource names; the filter narrows them to their type.
        const types = type ? [...new Set(type.split(',').filter(isSearchType))] : searchTypes;
        const { results, nextCursor } = await search.search({ q, types, limit, cursor, visibility: await request.visibility });
        return {
          data: results,
          meta: { limit, next_cursor: nextCursor },
          links: { self: request.url, next: nextCursor === null ? null : nextPageLink(request.url, nextCursor) },
        };
      },
    });
  };
}
