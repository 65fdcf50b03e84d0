import type { StatementExecutor } from '../../db/statements.js';
import { fieldErrors, KhabarError } from '../../errors.js';
import type { Repositories } from '../index.js';
import type { WriteOptions } from '../shared/record-service.js';
import { articleInput } from './schemas.js';
import { type ParsedReport, slugify } from './source-document.js';

const slugMaxLength = 180;

export interface ImportOptions extends Pick<WriteOptions, 'writer' | 'observe'> {
  /** BCP 47 language of the report. */
  language: string;
}

/**
 * A parsed report written as a new article under its title's slug (with -2, -3… when another article has it),
 * with the mentions entity linking found in it. Run inside a write, so the free slug is taken in the step that
 * chose it (`tx`, the write's executor).
 */
export async function importReport(tx: StatementExecutor, { articles, mentions }: Pick<Repositories, 'articles' | 'mentions'>, report: ParsedReport, options: ImportOptions) {
  const base = slugify(report.title).slice(0, slugMaxLength).replace(/-+$/, '') || 'article';
  let slug = base;
  for (let n = 2; (await articles.findIn(tx, slug)) !== null; n++) slug = `${base}-${n}`;
  const input = articleInput.safeParse({ slug, title: report.title, language: options.language, body: report.body });
  if (!input.success) {
    const errors = fieldErrors(input.error.issues, 'body');
    throw new KhabarError('validation_failed', `the report cannot be an article: ${errors[0]!.path} ${errors[0]!.message}`, errors);
  }
  const record = await articles.create(tx, input.data, { writer: options.writer });
  return { data: record, mentions: await mentions.list(tx, record.id) };
}
