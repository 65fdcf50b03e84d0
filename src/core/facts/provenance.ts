import { and, eq, getTableColumns, isNull, or, sql } from 'drizzle-orm';
import { now } from '../db/ids.js';
import { insertRow, type StatementExecutor, statement, unqualified } from '../db/statements.js';
import { perAudience, type Visibility, visibilityValues } from '../list/visibility.js';
import { publicArticleId } from '../resources/articles/publication.js';
import { relocateSpans } from '../text/spans.js';
import { type EntityRef, entityColumn, entityColumnValues } from './entities.js';
import type { ArticleTexts } from './mentions.js';
import { type ArticlePart, articleParts, type EntityType, provenance } from './table.js';

/** A seeded value and the quote of the article that supports it. */
export interface QuotedValue {
  field: string;
  value: unknown;
  quote: string;
}

export interface FieldChange {
  field: string;
  value: unknown;
}

export interface SourceArticle extends ArticleTexts {
  id: string;
}

/** Where a quote is in an article: its first occurrence in the body, else in the title. */
function locateQuote(article: ArticleTexts, quote: string): { part: ArticlePart; start: number; end: number } | null {
  for (const part of ['body', 'title'] as const) {
    const start = article[part].indexOf(quote);
    if (start !== -1) return { part, start, end: start + quote.length };
  }
  return null;
}

/** A provenance record's quote and where it is in its article (null offsets: not found there any more; no part or quote: a writer's record). */
interface QuoteSpan {
  part: ArticlePart | null;
  start: number | null;
  end: number | null;
  quote: string | null;
}

/**
 * The quoted records among `rows`, moved to where their quote is after an article changes from `before` to
 * `after` (see relocateSpans); a quote no longer in the text keeps null offsets.
 */
export function relocatedQuotes<T extends QuoteSpan>(rows: readonly T[], before: ArticleTexts, after: ArticleTexts): T[] {
  return articleParts.flatMap((part) => {
    const quoted = rows.flatMap((row) => (row.part === part && row.quote !== null ? [{ row, quote: row.quote }] : []));
    const places = relocateSpans(
      quoted.map(({ row, quote }) => ({ start: row.start ?? 0, end: row.end ?? 0, text: quote })),
      before[part],
      after[part],
      false,
    );
    return quoted.map(({ row }, i) => ({ ...row, start: places[i]?.start ?? null, end: places[i]?.end ?? null }));
  });
}

/*
 * The provenance an article's or an entity's write derives, written once for either engine (docs/postgresql.md,
 * step 2) and run in the write's transaction on its executor (`tx`).
 */

const byEntityType = <T>(build: (column: (typeof entityColumn)[EntityType]) => T): Record<EntityType, T> => ({
  person: build(entityColumn.person),
  organisation: build(entityColumn.organisation),
  meeting: build(entityColumn.meeting),
});
const ofEntityId = (column: (typeof entityColumn)[EntityType]) => eq(provenance[column], sql.placeholder('id'));
const sourcedFields = byEntityType((column) => statement.select({ field: provenance.field }).from(provenance).where(ofEntityId(column)));
// A field's records and everything under it (`affiliations` covers `affiliations.0.role`), as `unsourcedOf` matches.
const forgetField = byEntityType(
  (column) =>
    sql`delete from ${provenance} where ${ofEntityId(column)} and (${provenance.field} = ${sql.placeholder('field')} or substr(${provenance.field}, 1, ${sql.placeholder('length')}) = ${sql.placeholder('prefix')})`,
);
const insertWriter = insertRow(provenance, ['person_id', 'organisation_id', 'meeting_id', 'field', 'value', 'writer', 'recorded_at']);
const articleQuotes = statement
  .select({ id: provenance.id, part: provenance.part, start: provenance.start, end: provenance.end, quote: provenance.quote })
  .from(provenance)
  .where(eq(provenance.article_id, sql.placeholder('article')))
  .orderBy(provenance.id);
const moveQuote = sql`update ${provenance} set ${unqualified(provenance.start)} = ${sql.placeholder('start')}, ${unqualified(provenance.end)} = ${sql.placeholder('end')} where ${provenance.id} = ${sql.placeholder('id')}`;

/** The changes to fields none of `sourced` (the fields with records) covers: a field, or a field above it. */
const unsourcedOf = (sourced: Array<{ field: string }>, changes: FieldChange[]) =>
  changes.filter(({ field }) => !sourced.some(({ field: recorded }) => recorded === field || recorded.startsWith(`${field}.`)));

/** What `recordWrite` runs: each changed field's earlier records forgotten, then the writer recorded as its source, at `at`. */
const writerRecords = (entity: EntityRef, changes: FieldChange[], writer: string, at: string) => ({
  forgotten: changes.map(({ field }) => ({ id: entity.id, field, length: field.length + 1, prefix: `${field}.` })),
  recorded: changes.map(({ field, value }) => ({ ...entityColumnValues(entity), field, value, writer, recorded_at: at })),
});

/** The changes to fields with no record yet, in a write's transaction: a create under a trashed id (a restore) finds its records put back, and keeps them. */
export async function unsourcedChanges(tx: StatementExecutor, entity: EntityRef, changes: FieldChange[]): Promise<FieldChange[]> {
  return unsourcedOf(await tx.prepare(sourcedFields[entity.type]).all({ id: entity.id }), changes);
}

/** Records a write through the API, in its transaction: each changed field now comes from the writer, not its earlier sources. */
export async function recordWrite(tx: StatementExecutor, entity: EntityRef, changes: FieldChange[], writer: string): Promise<void> {
  const { forgotten, recorded } = writerRecords(entity, changes, writer, now());
  for (const values of forgotten) await tx.prepare(forgetField[entity.type]).run(values);
  for (const values of recorded) await tx.prepare(insertWriter).run(values);
}

/** Keeps an article's quotes pointing at their text after an edit, in its transaction; a quote no longer in the text keeps null offsets. */
export async function relocateQuotes(tx: StatementExecutor, articleId: string, before: ArticleTexts, after: ArticleTexts): Promise<void> {
  for (const { id, start, end } of relocatedQuotes(await tx.prepare(articleQuotes).all({ article: articleId }), before, after)) {
    await tx.prepare(moveQuote).run({ id, start, end });
  }
}

const forgetEntity = byEntityType((column) => sql`delete from ${provenance} where ${ofEntityId(column)}`);
const insertQuote = insertRow(provenance, ['person_id', 'organisation_id', 'meeting_id', 'field', 'value', 'article_id', 'part', 'start', 'end', 'quote', 'recorded_at']);

/** Replaces every record of the entity with the quotes of `article` that support its values, in a write's transaction (the seed's). */
export async function setQuotes(tx: StatementExecutor, entity: EntityRef, article: SourceArticle, quoted: QuotedValue[]): Promise<void> {
  const at = now();
  const rows = quoted.map(({ field, value, quote }) => {
    const place = locateQuote(article, quote);
    if (!place) throw new Error(`${field}: the quote is not in the article: ${quote}`);
    return { ...entityColumnValues(entity), field, value, article_id: article.id, ...place, quote, recorded_at: at };
  });
  await tx.prepare(forgetEntity[entity.type]).run({ id: entity.id });
  for (const row of rows) await tx.prepare(insertQuote).run(row);
}

const { id, person_id, organisation_id, meeting_id, ...listedColumns } = getTableColumns(provenance);
// The public sees the quotes of public articles only (a draft's text is not public) and every writer's record.
const entityProvenance = perAudience((audience) =>
  byEntityType((column) =>
    statement
      .select(listedColumns)
      .from(provenance)
      .where(and(ofEntityId(column), audience === 'public' ? or(isNull(provenance.article_id), publicArticleId(provenance.article_id)) : undefined))
      .orderBy(provenance.id),
  ),
);

/** The facts' routes' read of a record's provenance, on a request's read executor. */
export const provenanceReads = {
  /** The records of an entity's values, oldest first, as `visibility` may see them. */
  list: (reads: StatementExecutor, entity: EntityRef, visibility: Visibility) =>
    reads.prepare(entityProvenance[visibility.audience][entity.type]).all({ id: entity.id, ...visibilityValues(visibility) }),
};
