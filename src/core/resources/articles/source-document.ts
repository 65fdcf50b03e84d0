import { KhabarError } from '../../errors.js';
import type { Block } from './table.js';

export interface ParsedReport {
  title: string;
  body: Block[];
}

const headingMaxLength = 120;
const sentenceEnd = /[.!?؟:؛…»"')]$/u;

/** A short line that does not end a sentence is a heading. */
const isHeading = (line: string) => line.length <= headingMaxLength && !sentenceEnd.test(line);

/**
 * Parses a plain-text report: the first non-empty line is the title, short lines without
 * sentence-final punctuation are headings, every other line is a paragraph.
 */
export function parseSourceDocument(text: string): ParsedReport {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const [title, ...rest] = lines;
  if (title === undefined) throw new KhabarError('validation_failed', 'the text has no title line');
  if (rest.length === 0) throw new KhabarError('validation_failed', 'the text has a title but no body');
  return {
    title,
    body: rest.map((line) => ({ type: isHeading(line) ? 'heading' : 'paragraph', text: line })),
  };
}

/** A slug from text: its first words, letters and digits only, joined by hyphens. */
export function slugify(text: string, maxWords = 8): string {
  return text
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .split(/[\s-]+/u)
    .filter(Boolean)
    .slice(0, maxWords)
    .join('-');
}
