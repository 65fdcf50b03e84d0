import { and, eq, gt, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { insertRows } from '../db/bulk.js';
import { perDialect } from '../db/dialect.js';
import { type StatementExecutor, statement } from '../db/statements.js';
import { meetings } from '../resources/meetings/table.js';
import { organisations } from '../resources/organisations/table.js';
import { people } from '../resources/people/table.js';
import { inIdList, inIntegerIdList } from '../resources/shared/relations.js';
import { type Placed, relocateSpans } from '../text/spans.js';
import { type EntityRef, entityColumnValues, entityJoins, entityLabel, entityOf } from './entities.js';
import { type ArticlePart, articleParts, mentions } from './table.js';

type MentionOrigin = 'curated' | 'auto';

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

/*
 * The mentions an article's write derives, written once for either engine (docs/postgresql.md, step 2) and run in
 * the write's transaction on its executor (`tx`).
 */

const joins = entityJoins(mentions);
/** Stored mentions with their entity's label, in each article's order (its title's first, then by where they start). */
const storedMentions = (where: SQL) =>
  statement
    .select({
      id: mentions.id,
      article_id: mentions.article_id,
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
    .where(where)
    .orderBy(mentions.article_id, sql`case ${mentions.part} when 'title' then 0 else 1 end`, mentions.start);
const articleMentions = storedMentions(eq(mentions.article_id, sql.placeholder('article')));
const articlesMentions = perDialect((dialect) => storedMentions(inIdList(mentions.article_id, 'ids', dialect)));
/** A mention as stored, with its row's id and origin and its entity's label. */
type StoredMention = (typeof articleMentions)['_']['result'][number];
const removeOrigin = sql`delete from ${mentions} where ${mentions.article_id} = ${sql.placeholder('article_id')} and ${mentions.origin} = ${sql.placeholder('origin')}`;
const removeMention = sql`delete from ${mentions} where ${mentions.id} = ${sql.placeholder('id')}`;
const removeMentions = perDialect((dialect) => sql`delete from ${mentions} where ${inIntegerIdList(mentions.id, 'ids', dialect)}`);

/** The rows of an article's new mentions of one origin. */
const insertedMentions = (articleId: string, origin: MentionOrigin, items: NewMention[]) =>
  items.map(({ part, start, end, text, entity }) => ({ article_id: articleId, origin, part, start, end, text, ...entityColumnValues(entity) }));

/**
 * What `setAutoMentions` changes of an article's stored mentions: the automatic rows to remove, and the mentions to add,
 * leaving out any that overlaps a curated one. A mention found again keeps its row (and id): a relink that finds
 * what was there writes nothing, and a restore from the trash keeps the rows it put back.
 */
function autoChanges(current: StoredMention[], items: NewMention[]): { removed: number[]; added: NewMention[] } {
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
  return { removed: [...stored.values()].flat(), added };
}

/** An article's curated mentions moved to where their text is after an edit (see relocateSpans); a mention whose text is gone is dropped. */
const movedCurated = (current: StoredMention[], before: ArticleTexts, after: ArticleTexts): NewMention[] =>
  relocatedMentions(
    current.filter((row) => row.origin === 'curated'),
    before,
    after,
  ).map((row) => ({ ...row, entity: entityOf(row) }));

/** Replaces an article's automatic mentions (`autoChanges`), in a write's transaction; a `fresh` article has none stored. */
export async function setAutoMentions(tx: StatementExecutor, articleId: string, items: NewMention[], fresh = false): Promise<void> {
  const { removed, added } = autoChanges(fresh ? [] : await tx.prepare(articleMentions).all({ article: articleId }), items);
  for (const id of removed) await tx.prepare(removeMention).run({ id });
  await insertRows(tx, mentions, insertedMentions(articleId, 'auto', added));
}

/**
 * `setAutoMentions` for many articles in one write (a bulk load's relink): their stored mentions read by one
 * statement, the rows to remove deleted by one, the mentions to add inserted many to a statement (`insertRows`).
 */
export async function setAutoMentionsOfMany(tx: StatementExecutor, linked: ReadonlyArray<{ articleId: string; items: NewMention[] }>): Promise<void> {
  const stored = new Map<string, StoredMention[]>();
  for (const row of await tx.prepare(articlesMentions(tx.dialect)).all({ ids: JSON.stringify(linked.map(({ articleId }) => articleId)) })) {
    stored.set(row.article_id, [...(stored.get(row.article_id) ?? []), row]);
  }
  const removed: number[] = [];
  const added: Array<Record<string, unknown>> = [];
  for (const { articleId, items } of linked) {
    const changes = autoChanges(stored.get(articleId) ?? [], items);
    removed.push(...changes.removed);
    added.push(...insertedMentions(articleId, 'auto', changes.added));
  }
  if (removed.length > 0) await tx.prepare(removeMentions(tx.dialect)).run({ ids: JSON.stringify(removed) });
  await insertRows(tx, mentions, added);
}

/** Moves an article's curated mentions to where their text is after an edit (`movedCurated`), in a write's transaction. */
export async function relocateCuratedMentions(tx: StatementExecutor, articleId: string, before: ArticleTexts, after: ArticleTexts): Promise<void> {
  const moved = movedCurated(await tx.prepare(articleMentions).all({ article: articleId }), before, after);
  await tx.prepare(removeOrigin).run({ article_id: articleId, origin: 'curated' });
  await insertRows(tx, mentions, insertedMentions(articleId, 'curated', moved));
}

/** Replaces an article's curated mentions, in a write's transaction (the seed's); automatic ones they overlap are removed, and the others keep their rows (and ids), as `setAutoMentions` keeps a mention it finds again. */
export async function setCuratedMentions(tx: StatementExecutor, articleId: string, items: NewMention[]): Promise<void> {
  await tx.prepare(removeOrigin).run({ article_id: articleId, origin: 'curated' });
  await insertRows(tx, mentions, insertedMentions(articleId, 'curated', items));
  for (const row of await tx.prepare(articleMentions).all({ article: articleId })) {
    if (row.origin === 'auto' && items.some((c) => c.part === row.part && overlaps(c, row))) await tx.prepare(removeMention).run({ id: row.id });
  }
}

const autoLinkedTo = (column: SQLiteColumn) =>
  statement
    .selectDistinct({ article_id: mentions.article_id })
    .from(mentions)
    .where(and(eq(column, sql.placeholder('id')), eq(mentions.origin, 'auto'), gt(mentions.article_id, sql.placeholder('after'))))
    .orderBy(mentions.article_id)
    .limit(sql.placeholder('limit'));
const autoLinked = { person: autoLinkedTo(mentions.person_id), organisation: autoLinkedTo(mentions.organisation_id), meeting: autoLinkedTo(mentions.meeting_id) };

/** The first `limit` articles after the id `after`, in id order, that an entity is linked to automatically. */
export async function articlesLinkedTo(executor: StatementExecutor, entity: EntityRef, after: string, limit: number): Promise<string[]> {
  return (await executor.prepare(autoLinked[entity.type]).all({ id: entity.id, after, limit })).map((row) => row.article_id);
}

/** The facts' routes' read of an article's mentions, on a request's read executor. */
export const mentionReads = {
  /** The mentions of an article in text order: the title first, then the body. */
  async list(reads: StatementExecutor, articleId: string): Promise<Mention[]> {
    return (await reads.prepare(articleMentions).all({ article: articleId })).map(({ id, article_id, person_id, organisation_id, meeting_id, slug, name, ...mention }) => ({
      ...mention,
      entity: { ...entityOf({ person_id, organisation_id, meeting_id }), slug, name },
    }));
  },
};
