import { eq, getTableName, sql } from 'drizzle-orm';
import { createSelectSchema } from 'drizzle-zod';
import { perDialect } from '../db/dialect.js';
import { type StatementExecutor, statement } from '../db/statements.js';
import { type ArticleTexts, relocatedMentions } from '../facts/mentions.js';
import { relocatedQuotes } from '../facts/provenance.js';
import { mentions, provenance } from '../facts/table.js';
import { articleBodyTextIn, articles } from '../resources/articles/table.js';
import type { RevisionStore } from '../revisions/store.js';
import type { KeptLink } from './table.js';

const mentionSpan = createSelectSchema(mentions).pick({ article_id: true, part: true, start: true, end: true, text: true });
const quoteSpan = createSelectSchema(provenance).pick({ article_id: true, part: true, start: true, end: true, quote: true });
const [mentionsName, provenanceName] = [getTableName(mentions), getTableName(provenance)];

/** The article whose text a kept row's span indexes: a mention's, a quote's; null for another row. */
function spannedArticle(link: KeptLink): string | null {
  if (link.table !== mentionsName && link.table !== provenanceName) return null;
  const { article_id } = link.row;
  return typeof article_id === 'string' ? article_id : null;
}

/** An article's texts as they are, in the engine's dialect (its plain-text body joins its blocks' texts). */
const currentTextsIn = perDialect((dialect) =>
  statement
    .select({ title: articles.title, body: articleBodyTextIn(dialect) })
    .from(articles)
    .where(eq(articles.id, sql.placeholder('id'))),
);

/**
 * The spans the trash keeps (mentions, quotes) index an article's text as it was when they were kept, and the
 * article may be edited, or restored from an older revision, before they come back. Each kept row notes the
 * revision of its article's text; a restore moves it as an edit of the article moves the spans it finds there
 * (core/facts: a mention whose text is gone is dropped, a quote keeps null offsets). A row that noted no
 * revision (kept before this, or an article without revisions) is checked against the text as it is, the same way.
 */
export function keptSpans(revisions: RevisionStore) {
  const textsAt = async (tx: StatementExecutor, articleId: string, n: number): Promise<ArticleTexts | null> => {
    const record = (await revisions.find(tx, 'articles', articleId, n))?.record;
    return typeof record?.title === 'string' && typeof record.body_text === 'string' ? { title: record.title, body: record.body_text } : null;
  };

  /** The kept rows of one article, moved from the text `before` to the text `after`; a mention whose words went is left out. */
  function moved(links: KeptLink[], before: ArticleTexts, after: ArticleTexts): KeptLink[] {
    const mentionRows = links.flatMap((link) => {
      const parsed = link.table === mentionsName ? mentionSpan.safeParse(link.row) : null;
      return parsed?.success ? [{ ...parsed.data, link }] : [];
    });
    const quoteRows = links.flatMap((link) => {
      const parsed = link.table === provenanceName ? quoteSpan.safeParse(link.row) : null;
      return parsed?.success && parsed.data.part !== null && parsed.data.quote !== null ? [{ ...parsed.data, link }] : [];
    });
    const spanned = new Set([...mentionRows, ...quoteRows].map((row) => row.link));
    const placed = [...relocatedMentions(mentionRows, before, after), ...relocatedQuotes(quoteRows, before, after)];
    return [...links.filter((link) => !spanned.has(link)), ...placed.map(({ link, start, end }) => ({ ...link, row: { ...link.row, start, end } }))];
  }

  return {
    /** The kept rows, those with a span noting the revision of the article text it indexes: on the delete's `tx`, where the rows are read. */
    async note(tx: StatementExecutor, links: KeptLink[]): Promise<KeptLink[]> {
      const newest = new Map<string, number>();
      const noted: KeptLink[] = [];
      for (const link of links) {
        const articleId = spannedArticle(link);
        if (articleId === null) {
          noted.push(link);
          continue;
        }
        if (!newest.has(articleId)) newest.set(articleId, (await revisions.nextNumber(tx, 'articles', articleId)) - 1);
        const textRevision = newest.get(articleId)!;
        noted.push(textRevision > 0 ? { ...link, textRevision } : link);
      }
      return noted;
    },
    /** The kept rows with their spans moved onto their articles' texts as they are now: on the restore's `tx`, once the restored record is in. */
    async relocate(tx: StatementExecutor, links: readonly KeptLink[]): Promise<KeptLink[]> {
      const byArticle = new Map<string, KeptLink[]>();
      // The rows without a span first, as they were; then each article's, moved.
      const relocated: KeptLink[] = [];
      for (const link of links) {
        const articleId = spannedArticle(link);
        if (articleId === null) relocated.push(link);
        else if (byArticle.has(articleId)) byArticle.get(articleId)!.push(link);
        else byArticle.set(articleId, [link]);
      }
      const currentTexts = tx.prepare(currentTextsIn(tx.dialect));
      for (const [articleId, kept] of byArticle) {
        const after = await currentTexts.get({ id: articleId });
        const noted = kept[0]!.textRevision;
        // An article gone since: the restore drops the rows that need it.
        if (!after) relocated.push(...kept);
        else relocated.push(...moved(kept, (noted !== undefined && (await textsAt(tx, articleId, noted))) || after, after));
      }
      return relocated;
    },
  };
}
