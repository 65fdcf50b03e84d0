import { article, unembeddedArticleFields } from '../../core/resources/articles/schemas.js';
import { meeting } from '../../core/resources/meetings/schemas.js';
import { organisation } from '../../core/resources/organisations/schemas.js';
import { person } from '../../core/resources/people/schemas.js';
import type { Catalog } from '../list/view.js';

/** The representation of each resource, for what an include embeds. */
export const catalog: Catalog = {
  articles: { name: 'Article', record: article, unembedded: unembeddedArticleFields },
  people: { name: 'Person', record: person },
  organisations: { name: 'Organisation', record: organisation },
  meetings: { name: 'Meeting', record: meeting },
};
