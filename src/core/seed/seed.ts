import { readFileSync } from 'node:fs';
import { type StatementExecutor, statement } from '../db/statements.js';
import { articleTexts } from '../facts/index.js';
import { setCuratedMentions } from '../facts/mentions.js';
import { setQuotes } from '../facts/provenance.js';
import type { JobExecutors } from '../facts/relink-jobs.js';
import { projectFile } from '../project-root.js';
import type { Article } from '../resources/articles/schemas.js';
import { parseSourceDocument, slugify } from '../resources/articles/source-document.js';
import type { Repositories } from '../resources/index.js';
import { resources } from '../resources/registry.js';
import type { WriteContext } from '../resources/shared/repository.js';
import { sourceArticle, sourceMeeting, sourceOrganisations, sourcePeople } from './source-facts.js';
import { locateMention, sourceMentions } from './source-mentions.js';
import { meetingProvenance, organisationProvenance, personProvenance } from './source-provenance.js';

const sourceDocumentPath = projectFile('seed/kuwait-saudi-interior-meeting.ar.txt');

export const readSourceDocument = (): string => readFileSync(sourceDocumentPath, 'utf8');

type Slugged = { id: string };

/** The writer of every seeded record's first revision. */
export const seedWriter: WriteContext = { writer: 'seed' };

/** Finds the record with this slug, or creates it, in the write's transaction (`tx`): seeding twice leaves one copy. */
async function ensure<T extends Slugged, I>(
  tx: StatementExecutor,
  repository: { findIn(tx: StatementExecutor, slug: string): Promise<T | null>; create(tx: StatementExecutor, input: I, context: WriteContext): Promise<T> },
  slug: string,
  input: () => I,
) {
  return (await repository.findIn(tx, slug)) ?? repository.create(tx, input(), seedWriter);
}

/** Loads the records the source document names, linked as it links them, in one write (`executors.write`), on either engine. */
export async function seedDatabase(executors: JobExecutors, repositories: Repositories, sourceText = readSourceDocument()) {
  const seeded = await executors.write((tx) => seedRecords(tx, repositories, sourceText));
  // The names' relink jobs, done now rather than by whichever server starts next.
  await repositories.relinkJobs.runAll(executors);
  return seeded;
}

async function seedRecords(tx: StatementExecutor, repositories: Repositories, sourceText: string) {
  const report = parseSourceDocument(sourceText);
  const ids = new Map<string, string>();
  const idOf = (slug: string) => ids.get(slug)!;

  for (const org of sourceOrganisations) {
    const record = await ensure(tx, repositories.organisations, org.slug, () => ({
      slug: org.slug,
      name: org.name.value,
      kind: org.kind.value,
      country: org.country.value,
      parent_id: org.parent ? idOf(org.parent.value) : null,
      aliases: org.aliases.map((alias) => alias.value),
    }));
    ids.set(org.slug, record.id);
  }

  for (const person of sourcePeople) {
    const record = await ensure(tx, repositories.people, person.slug, () => ({
      slug: person.slug,
      name: person.name.value,
      honorific: person.honorific.value,
      position: person.position.value,
      country: person.country.value,
      aliases: person.aliases.map((alias) => alias.value),
      affiliations: person.affiliations.map((a) => ({
        organisation_id: idOf(a.organisation.value),
        role: a.role.value,
        acting: a.acting?.value ?? null,
      })),
    }));
    ids.set(person.slug, record.id);
  }

  const slug = slugify(report.title);
  const meeting = await ensure(tx, repositories.meetings, slug, () => ({
    slug,
    title: report.title,
    status: sourceMeeting.status.value,
    starts_at: sourceMeeting.starts_at,
    date_text: sourceMeeting.date_text.value,
    location: sourceMeeting.location.value,
    summary: sourceMeeting.summary.value,
    topics: sourceMeeting.topics,
    outcomes: sourceMeeting.outcomes,
    host_organisation_id: idOf(sourceMeeting.host.value),
    participants: sourceMeeting.participants.map((p) => ({
      person_id: idOf(p.person),
      organisation_id: idOf(p.organisation),
      role: p.role,
    })),
    organisation_ids: sourceMeeting.organisations.map((o) => idOf(o.value)),
  }));

  const fresh = (await repositories.articles.findIn(tx, slug)) === null;
  const article = await ensure(tx, repositories.articles, slug, () => ({
    slug,
    title: report.title,
    language: sourceArticle.language,
    summary: null,
    body: report.body,
    source: sourceArticle.source.value,
    published_at: null,
    person_ids: sourcePeople.map((p) => idOf(p.slug)),
    organisation_ids: sourceOrganisations.map((o) => idOf(o.slug)),
    meeting_ids: [meeting.id],
  }));
  if (fresh) await recordSourceFacts(tx, article, meeting.id, idOf);
  return { article, meeting, ids };
}

/** The curated mentions of the seeded article, and the quote behind every seeded value, in the seed's write (`tx`). */
async function recordSourceFacts(tx: StatementExecutor, article: Article, meetingId: string, idOf: (slug: string) => string) {
  const texts = articleTexts(article);
  await setCuratedMentions(
    tx,
    article.id,
    sourceMentions.map((declared) => ({
      part: declared.part,
      ...locateMention(declared, texts[declared.part]),
      text: declared.text,
      entity: { type: declared.type, id: declared.slug === null ? meetingId : idOf(declared.slug) },
    })),
  );
  const source = { id: article.id, ...texts };
  for (const org of sourceOrganisations) {
    await setQuotes(tx, { type: 'organisation', id: idOf(org.slug) }, source, organisationProvenance(org, idOf));
  }
  for (const person of sourcePeople) {
    await setQuotes(tx, { type: 'person', id: idOf(person.slug) }, source, personProvenance(person, idOf));
  }
  await setQuotes(tx, { type: 'meeting', id: meetingId }, source, meetingProvenance(article.title, idOf));
}

/** SEED=auto: loads the source document's records into a database that has none. */
export async function seedIfEmpty(executors: JobExecutors, repositories: Repositories, seed: 'auto' | 'never') {
  if (seed === 'auto' && (await isEmpty(executors.reads))) await seedDatabase(executors, repositories);
}

const anyRecord = resources.map(({ table }) => statement.select({ id: table.id }).from(table).limit(1));

/** True when no resource has any record, read on `reads`: SEED=auto seeds only then. */
export async function isEmpty(reads: StatementExecutor): Promise<boolean> {
  for (const query of anyRecord) if (await reads.prepare(query).get()) return false;
  return true;
}
