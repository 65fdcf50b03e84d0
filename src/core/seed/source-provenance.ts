/**
 * The provenance of every seeded value: the field path it is stored under, the value, and the quote of the
 * source document that states it (from source-facts.ts). The seed locates each quote in the article.
 */
import type { QuotedValue } from '../facts/provenance.js';
import { type Fact, sourceMeeting, type sourceOrganisations, type sourcePeople } from './source-facts.js';

type IdOf = (slug: string) => string;

const quoted = (field: string, fact: Fact<unknown> | null, value: unknown = fact?.value): QuotedValue[] => (fact === null ? [] : [{ field, value, quote: fact.quote }]);

const listed = (field: string, facts: Array<Fact<unknown>>, value: (fact: Fact<unknown>) => unknown = (f) => f.value) => facts.flatMap((fact, i) => quoted(`${field}.${i}`, fact, value(fact)));

export function organisationProvenance(org: (typeof sourceOrganisations)[number], idOf: IdOf): QuotedValue[] {
  return [
    ...quoted('name', org.name),
    ...quoted('kind', org.kind),
    ...quoted('country', org.country),
    ...quoted('parent_id', org.parent, org.parent && idOf(org.parent.value)),
    ...listed('aliases', org.aliases),
  ];
}

export function personProvenance(person: (typeof sourcePeople)[number], idOf: IdOf): QuotedValue[] {
  return [
    ...quoted('name', person.name),
    ...quoted('honorific', person.honorific),
    ...quoted('position', person.position),
    ...quoted('country', person.country),
    ...listed('aliases', person.aliases),
    ...person.affiliations.flatMap((affiliation, i) => [
      ...quoted(`affiliations.${i}.organisation_id`, affiliation.organisation, idOf(affiliation.organisation.value)),
      ...quoted(`affiliations.${i}.role`, affiliation.role),
      ...quoted(`affiliations.${i}.acting`, affiliation.acting),
    ]),
  ];
}

/** The meeting's title is the report's title, quoted from the article's title. */
export function meetingProvenance(title: string, idOf: IdOf): QuotedValue[] {
  const m = sourceMeeting;
  const phrases = (list: string[]) => list.map((phrase) => ({ value: phrase, quote: phrase }));
  return [
    ...quoted('title', { value: title, quote: title }),
    ...quoted('status', m.status),
    ...quoted('date_text', m.date_text),
    ...quoted('location', m.location),
    ...quoted('summary', m.summary),
    ...listed('topics', phrases(m.topics)),
    ...listed('outcomes', phrases(m.outcomes)),
    ...quoted('host_organisation_id', m.host, idOf(m.host.value)),
    ...m.participants.flatMap((p, i) => quoted(`participants.${i}`, { value: null, quote: p.quote }, { person_id: idOf(p.person), organisation_id: idOf(p.organisation), role: p.role })),
    ...listed('organisation_ids', m.organisations, (fact) => idOf(fact.value as string)),
  ];
}
