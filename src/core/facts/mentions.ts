import { and, eq, gt, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { bulkInserter } from '../db/bulk.js';
import type { Db } from '../db/database.js';
import { meetings } from '../resources/meetings/table.js';
import { organisations } from '../resources/organisations/table.js';
import { people } from '../resources/people/table.js';
import { type Placed, relocateSpans } from '../text/spans.js';
import { type EntityRef, entityColumnValues, entityJoins, entityLabel, entityOf } from './entities.js';
import { type ArticlePart, articleParts, mentions } from './table.js';

export type MentionOrigin = 'curated' | 'auto';

/** A mention to store: a span of one part of an article that names an entity. */
export interface NewMention {
  part: ArticlePart;
  start: number;
  end: number;
  text: string;
  entity: EntityRef;
}

export interface Mention extends NewMention {
  entity: EntityRef & { slug: string; name: string };
  origin: MentionOrigin;
}

/** The texts a mention's offsets index, by part. */
export type ArticleTexts = Record<ArticlePart, string>;

const overlaps = (a: Placed, b: Placed) => a.start < b.end && b.start < a.end;

/** What makes two mentions the same: their span and the entity it names. */
const mentionKey = ({ part, start, end, text, entity }: NewMention) => JSON.stringify([part, start, end, text, entity.type, entity.id]);

/** The part of a mention that says where it is: its span of a part of an article, and the text there. */
type MentionSpan = Pick<NewMention, 'part' | 'start' | 'end' | 'text'>;

/**
 * Mentions moved to where their text is after an article changes from `before` to `after` (see relocateSpans);
 * a mention whose text is gone from its part is left out, and no two of one part overlap.
 */
export function relocatedMentions<T extends MentionSpan>(rows: readonly T[], before: ArticleTexts, after: ArticleTexts): T[] {
  return articleParts.flatMap((part) => {
    const spans = rows.filter((row) => row.part === part);
    const places = relocateSpans(spans, before[part], after[part], true);
    return spans.flatMap((row, i) => (places[i] ? [{ ...row, ...places[i] }] : []));
  });
}

export function mentionStore(db: Db) {
  const joins = entityJoins(mentions);
  const listQuery = db
    .select({
      id: mentions.id,
      part: mentions.part,
      start: mentions.start,
      end: mentions.end,
      text: mentions.text,
      origin: mentions.origin,
      person_id: mentions.person_id,
      organisation_id: mentions.organisation_id,
      meeting_id: mentions.meeting_id,
      ...entityLabel,
    })
    .from(mentions)
    .leftJoin(people, joins.person)
    .leftJoin(organisations, joins.organisation)
    .leftJoin(meetings, joins.meeting)
    .where(eq(mentions.article_id, sql.placeholder('article')))
    .orderBy(sql`case ${mentions.part} when 'title' then 0 else 1 end`, mentions.start)
    .prepare();
  const removeOrigin = db
    .delete(mentions)
    .where(and(eq(mentions.article_id, sql.placeholder('article')), eq(mentions.origin, sql.placeholder('origin'))))
    .prepare();

  const removeRow = db
    .delete(mentions)
    .where(eq(mentions.id, sql.placeholder('id')))
    .prepare();

  const list = (articleId: string) => listQuery.all({ article: articleId });
  const autoLinkedTo = (column: SQLiteColumn) =>
    db
      .selectDistinct({ article_id: mentions.article_id })
      .from(mentions)
      .where(and(eq(column, sql.placeholder('id')), eq(mentions.origin, 'auto'), gt(mentions.article_id, sql.placeholder('after'))))
      .orderBy(mentions.article_id)
      .limit(sql.placeholder('limit'))
      .prepare();
  const autoLinked = { person: autoLinkedTo(mentions.person_id), organisation: autoLinkedTo(mentions.organisation_id), meeting: autoLinkedTo(mentions.meeting_id) };

  const insertRow = bulkInserter(db.$client, mentions);
  function insert(articleId: string, origin: MentionOrigin, items: NewMention[]) {
    for (const { part, start, end, text, entity } of items) insertRow({ article_id: articleId, origin, part, start, end, text, ...entityColumnValues(entity) });
  }

  const curatedOf = (articleId: string) => list(articleId).filter((row) => row.origin === 'curated');

  return {
    /** The mentions of an article in text order: the title first, then the body. */
    list(articleId: string): Mention[] {
      return list(articleId).map(({ id, person_id, organisation_id, meeting_id, slug, name, ...mention }) => ({
        ...mention,
        entity: { ...entityOf({ person_id, organisation_id, meeting_id }), slug, name },
      }));
    },

    /** The first `limit` articles after the id `after`, in id order, that an entity is linked to automatically. */
    articlesLinkedTo(entity: EntityRef, after: string, limit: number): string[] {
      return autoLinked[entity.type].all({ id: entity.id, after, limit }).map((row) => row.article_id);
    },

    /**
     * Replaces the article's curated mentions; automatic ones they overlap are dropped, and the others keep
     * their rows (and ids), as setAuto keeps a mention it finds again.
     */
    setCurated(articleId: string, items: NewMention[]) {
      removeOrigin.run({ article: articleId, origin: 'curated' });
      insert(articleId, 'curated', items);
      for (const row of list(articleId)) {
        if (row.origin === 'auto' && items.some((c) => c.part === row.part && overlaps(c, row))) removeRow.run({ id: row.id });
      }
    },

    /**
     * Replaces the article's automatic mentions, leaving out any that overlaps a curated one. A mention found
     * again keeps its row (and id): a relink that finds what was there writes nothing, and a restore from the
     * trash keeps the rows it put back.
     */
    setAuto(articleId: string, items: NewMention[]) {
      const current = list(articleId);
      const curated = current.filter((row) => row.origin === 'curated');
      const stored = new Map<string, number[]>();
      for (const row of current) {
        if (row.origin !== 'auto') continue;
        const key = mentionKey({ ...row, entity: entityOf(row) });
        stored.set(key, [...(stored.get(key) ?? []), row.id]);
      }
      const added = items.filter((item) => {
        if (curated.some((c) => c.part === item.part && overlaps(c, item))) return false;
        return stored.get(mentionKey(item))?.pop() === undefined;
      });
      for (const id of [...stored.values()].flat()) removeRow.run({ id });
      insert(articleId, 'auto', added);
    },

    /**
     * Moves the article's curated mentions to where their text is after an edit (see relocateSpans);
     * a mention whose text is gone from its part is dropped.
     */
    relocateCurated(articleId: string, before: ArticleTexts, after: ArticleTexts) {
      const moved = relocatedMentions(curatedOf(articleId), before, after).map((row) => ({ ...row, entity: entityOf(row) }));
      removeOrigin.run({ article: articleId, origin: 'curated' });
      insert(articleId, 'curated', moved);
    },
  };
}
