import type { Catalog } from '../list/view.js';
import { article, unembeddedArticleFields } from './articles/schemas.js';
import { meeting } from './meetings/schemas.js';
import { organisation } from './organisations/schemas.js';
import { person } from './people/schemas.js';

/** The representation of each resource, for what an include embeds. */
export const catalog: Catalog = {
  articles: { name: 'Article', record: article, unembedded: unembeddedArticleFields },
  people: { name: 'Person', record: person },
  organisations: { name: 'Organisation', record: organisation },
  meetings: { name: 'Meeting', record: meeting },
};
