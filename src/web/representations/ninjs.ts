import { z } from 'zod';
import type { Article } from '../../core/resources/articles/schemas.js';
import type { Block } from '../../core/resources/articles/table.js';
import { escapeHtml } from '../../core/text/html.js';
import { compact, type Kind, type MapContext } from './context.js';

export const ninjsMediaType = 'application/vnd.iptc.ninjs+json';
const ninjsSchemaUri = 'http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json';

const valueItem = z.object({ role: z.string().optional(), contenttype: z.string().optional(), value: z.string() });
const subject = z.object({ name: z.string().optional(), rel: z.string().optional(), uri: z.string().optional() });

/** The part of ninjs 2.2 khabar fills; the published JSON Schema is the full contract. */
export const ninjsSchema = z
  .looseObject({
    uri: z.string(),
    type: z.literal('text'),
    version: z.string(),
    language: z.string(),
    slugline: z.string(),
    headlines: z.array(valueItem),
    descriptions: z.array(valueItem).optional(),
    bodies: z.array(valueItem.extend({ charcount: z.number().optional(), wordcount: z.number().optional() })),
    people: z.array(subject).optional(),
    organisations: z.array(subject).optional(),
    events: z.array(subject).optional(),
    subjects: z.array(subject).optional(),
  })
  .meta({
    id: 'NinjsItem',
    description: `An article as an IPTC ninjs 2.2 news item (${ninjsSchemaUri}).`,
  });

/** The body blocks as HTML: headings as h2, paragraphs as p; the text is escaped. */
const bodyHtml = (blocks: Block[]) => blocks.map((b) => (b.type === 'heading' ? `<h2>${escapeHtml(b.text)}</h2>` : `<p>${escapeHtml(b.text)}</p>`)).join('\n');

const words = (text: string) => text.split(/\s+/u).filter(Boolean).length;

function named(ctx: MapContext, kind: Kind, id: string, rel: string) {
  return compact({ name: ctx.label(kind, id), rel, uri: ctx.url(kind, id) });
}

/** What the article's meetings were about: their topics, once each. */
function topics(a: Article, ctx: MapContext) {
  const all = a.meeting_ids.flatMap((id) => ctx.find('meetings', id)?.topics ?? []);
  return [...new Set(all)].map((name) => ({ name, rel: 'about' }));
}

export function articleToNinjs(a: Article, ctx: MapContext) {
  return compact({
    uri: ctx.url('articles', a.id),
    standard: { name: 'ninjs', version: '2.2', schema: ninjsSchemaUri },
    type: 'text',
    representationtype: 'full',
    version: String(a.version),
    firstcreated: a.created_at,
    versioncreated: a.updated_at,
    contentcreated: a.published_at,
    pubstatus: 'usable',
    language: a.language,
    slugline: a.slug,
    headlines: [{ role: 'main', value: a.title }],
    descriptions: a.summary === null ? null : [{ role: 'summary', value: a.summary }],
    bodies: [
      { role: 'main', contenttype: 'text/plain', value: a.body_text, charcount: a.body_text.length, wordcount: words(a.body_text) },
      { role: 'main', contenttype: 'text/html', value: bodyHtml(a.body) },
    ],
    infosources: a.source === null ? null : [{ name: a.source, role: 'source' }],
    people: a.person_ids.map((id) => named(ctx, 'people', id, 'mentioned')),
    organisations: a.organisation_ids.map((id) => named(ctx, 'organisations', id, 'mentioned')),
    events: a.meeting_ids.map((id) => named(ctx, 'meetings', id, 'about')),
    subjects: topics(a, ctx),
  });
}
