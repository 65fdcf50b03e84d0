import { and, eq, getTableColumns, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { now } from '../db/ids.js';
import { type Audience, perAudience, type Visibility, visibilityValues } from '../list/visibility.js';
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

export function provenanceStore(db: Db) {
  const { id, person_id, organisation_id, meeting_id, ...fields } = getTableColumns(provenance);
  // The public sees the quotes of public articles only (a draft's text is not public) and every writer's record.
  const listFor = (type: EntityType, audience: Audience) =>
    db
      .select(fields)
      .from(provenance)
      .where(and(eq(provenance[entityColumn[type]], sql.placeholder('id')), audience === 'public' ? or(isNull(provenance.article_id), publicArticleId(provenance.article_id)) : undefined))
      .orderBy(provenance.id)
      .prepare();
  const lists = perAudience((audience) => ({ person: listFor('person', audience), organisation: listFor('organisation', audience), meeting: listFor('meeting', audience) }));
  const quotesOf = db
    .select({ id, part: provenance.part, start: provenance.start, end: provenance.end, quote: provenance.quote })
    .from(provenance)
    .where(eq(provenance.article_id, sql.placeholder('article')))
    .orderBy(provenance.id)
    .prepare();
  const fieldsOf = (type: EntityType) =>
    db
      .select({ field: provenance.field })
      .from(provenance)
      .where(eq(provenance[entityColumn[type]], sql.placeholder('id')))
      .prepare();
  const sourcedFields = { person: fieldsOf('person'), organisation: fieldsOf('organisation'), meeting: fieldsOf('meeting') };
  // A field's records and everything under it (`affiliations` covers `affiliations.0.role`), as `unsourced` matches.
  const forgetFieldOf = (type: EntityType) =>
    db
      .delete(provenance)
      .where(
        and(
          eq(provenance[entityColumn[type]], sql.placeholder('id')),
          or(eq(provenance.field, sql.placeholder('field')), sql`substr(${provenance.field}, 1, ${sql.placeholder('length')}) = ${sql.placeholder('prefix')}`),
        ),
      )
      .prepare();
  const forgetField = { person: forgetFieldOf('person'), organisation: forgetFieldOf('organisation'), meeting: forgetFieldOf('meeting') };
  const recordWriter = db
    .insert(provenance)
    .values({
      person_id: sql.placeholder('person_id'),
      organisation_id: sql.placeholder('organisation_id'),
      meeting_id: sql.placeholder('meeting_id'),
      field: sql.placeholder('field'),
      value: sql.placeholder('value'),
      writer: sql.placeholder('writer'),
      recorded_at: sql.placeholder('recorded_at'),
    })
    .prepare();
  const move = db
    .update(provenance)
    .set({ start: sql`${sql.placeholder('start')}`, end: sql`${sql.placeholder('end')}` })
    .where(eq(provenance.id, sql.placeholder('id')))
    .prepare();

  const ofEntity = (entity: EntityRef) => eq(provenance[entityColumn[entity.type]], entity.id);

  return {
    list: (entity: EntityRef, visibility: Visibility) => lists[visibility.audience][entity.type].all({ id: entity.id, ...visibilityValues(visibility) }),

    /** Replaces every record of the entity with the quotes that support its values. */
    setQuotes(entity: EntityRef, article: SourceArticle, quoted: QuotedValue[]) {
      db.delete(provenance).where(ofEntity(entity)).run();
      const at = now();
      const rows = quoted.map(({ field, value, quote }) => {
        const place = locateQuote(article, quote);
        if (!place) throw new Error(`${field}: the quote is not in the article: ${quote}`);
        return { ...entityColumnValues(entity), field, value, article_id: article.id, ...place, quote, recorded_at: at };
      });
      if (rows.length > 0) db.insert(provenance).values(rows).run();
    },

    /** The changes to fields with no record yet: a create under a trashed id (a restore) finds its records put back, and keeps them. */
    unsourced(entity: EntityRef, changes: FieldChange[]): FieldChange[] {
      // One prepared read of the entity's recorded fields, matched as ofField matches (a field and everything under it).
      const sourced = sourcedFields[entity.type].all({ id: entity.id }).map(({ field }) => field);
      return changes.filter(({ field }) => !sourced.some((recorded) => recorded === field || recorded.startsWith(`${field}.`)));
    },

    /** Records a write through the API: each changed field now comes from the writer, not its earlier sources. */
    recordWrite(entity: EntityRef, changes: FieldChange[], writer: string) {
      const at = now();
      for (const { field } of changes) forgetField[entity.type].run({ id: entity.id, field, length: field.length + 1, prefix: `${field}.` });
      for (const { field, value } of changes) recordWriter.run({ ...entityColumnValues(entity), field, value, writer, recorded_at: at });
    },

    /** Keeps quotes pointing at their text after an article changes; a quote no longer in the text keeps null offsets. */
    relocateQuotes(articleId: string, before: ArticleTexts, after: ArticleTexts) {
      for (const { id, start, end } of relocatedQuotes(quotesOf.all({ article: articleId }), before, after)) move.run({ id, start, end });
    },
  };
}
