import { z } from 'zod';
import type { Article } from '../../core/resources/articles/schemas.js';
import type { Meeting } from '../../core/resources/meetings/schemas.js';
import type { Organisation } from '../../core/resources/organisations/schemas.js';
import type { Person } from '../../core/resources/people/schemas.js';
import { compact, type Kind, type MapContext } from './context.js';

export const jsonLdMediaType = 'application/ld+json';
const context = 'https://schema.org';

type Node = Record<string, unknown>;

export const jsonLdSchema = z.looseObject({ '@context': z.literal(context), '@type': z.string(), '@id': z.string().optional() }).meta({
  id: 'JsonLd',
  description: 'schema.org JSON-LD: a NewsArticle, Person, Organization or Event; a list is an ItemList of them. Related records are nodes with their `@id` (the record URL) and name.',
});

/** A node naming another record: its URL as `@id`, and its name when it still exists. */
function reference(ctx: MapContext, kind: Kind, type: string, id: string): Node {
  return compact({ '@type': type, '@id': ctx.url(kind, id), name: ctx.label(kind, id) });
}

/** What every record's node has: its type, its URL as `@id`, its slug, and when it was written. */
const recordNode = (ctx: MapContext, kind: Kind, type: string, record: { id: string; slug: string; created_at: string; updated_at: string }) => ({
  '@type': type,
  '@id': ctx.url(kind, record.id),
  url: ctx.url(kind, record.id),
  identifier: record.slug,
  dateCreated: record.created_at,
  dateModified: record.updated_at,
});

const article = (a: Article, ctx: MapContext): Node =>
  compact({
    ...recordNode(ctx, 'articles', 'NewsArticle', a),
    headline: a.title,
    abstract: a.summary,
    articleBody: a.body_text,
    inLanguage: a.language,
    datePublished: a.published_at,
    citation: a.source,
    mentions: [...a.person_ids.map((id) => reference(ctx, 'people', 'Person', id)), ...a.organisation_ids.map((id) => reference(ctx, 'organisations', 'Organization', id))],
    about: a.meeting_ids.map((id) => reference(ctx, 'meetings', 'Event', id)),
  });

const country = (code: string | null) => (code === null ? null : { '@type': 'Country', identifier: code });

const person = (p: Person, ctx: MapContext): Node =>
  compact({
    ...recordNode(ctx, 'people', 'Person', p),
    name: p.name,
    honorificPrefix: p.honorific,
    jobTitle: p.position,
    alternateName: p.aliases,
    nationality: country(p.country),
    affiliation: p.affiliations.map((a) => reference(ctx, 'organisations', 'Organization', a.organisation_id)),
  });

const organisation = (o: Organisation, ctx: MapContext): Node =>
  compact({
    ...recordNode(ctx, 'organisations', 'Organization', o),
    name: o.name,
    alternateName: o.aliases,
    additionalType: o.kind,
    parentOrganization: o.parent_id === null ? null : reference(ctx, 'organisations', 'Organization', o.parent_id),
    address: o.country === null ? null : { '@type': 'PostalAddress', addressCountry: o.country },
    member: o.members.map((m) => reference(ctx, 'people', 'Person', m.person_id)),
  });

/** schema.org has no "held": a meeting that took place went ahead as scheduled. */
const eventStatus = { planned: 'EventScheduled', held: 'EventScheduled', cancelled: 'EventCancelled' } as const;

const meeting = (m: Meeting, ctx: MapContext): Node =>
  compact({
    ...recordNode(ctx, 'meetings', 'Event', m),
    name: m.title,
    description: m.summary,
    startDate: m.starts_at,
    eventStatus: `${context}/${eventStatus[m.status]}`,
    location: m.location === null ? null : { '@type': 'Place', name: m.location },
    organizer: m.host_organisation_id === null ? null : reference(ctx, 'organisations', 'Organization', m.host_organisation_id),
    attendee: [...m.participants.map((p) => reference(ctx, 'people', 'Person', p.person_id)), ...m.organisation_ids.map((id) => reference(ctx, 'organisations', 'Organization', id))],
    about: m.topics.map((topic) => ({ '@type': 'Thing', name: topic })),
    subjectOf: m.article_ids.map((id) => reference(ctx, 'articles', 'NewsArticle', id)),
  });

/** The JSON-LD node of a record, by the name of its resource. */
export const jsonLdMappers = { articles: article, people: person, organisations: organisation, meetings: meeting };

export const jsonLdDocument = (node: object): Node => ({ '@context': context, ...node });

/** A page of records as an ItemList: positions count from 1 within the page. */
export const jsonLdList = (nodes: object[], total: number | undefined, self: string): Node => ({
  '@context': context,
  '@type': 'ItemList',
  url: self,
  ...compact({ numberOfItems: total }),
  itemListElement: nodes.map((item, index) => ({ '@type': 'ListItem', position: index + 1, item })),
});
