import type { articles } from '../src/core/resources/articles/table.js';

/** An article's stored row as a test writes it straight into the table: its id as slug and title, a one-paragraph body. */
export const articleRow = (id: string, status: 'draft' | 'published', publishedAt: string | null, { version = 1, at = '2026-01-01T00:00:00.000Z' } = {}): typeof articles.$inferInsert => ({
  id,
  slug: id,
  version,
  created_at: at,
  updated_at: at,
  title: id,
  language: 'ar',
  summary: null,
  body: [{ type: 'paragraph', text: 'نص' }],
  source: null,
  published_at: publishedAt,
  status,
});
