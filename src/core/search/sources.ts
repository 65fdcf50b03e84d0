import { articles } from '../resources/articles/table.js';
import { meetings } from '../resources/meetings/table.js';
import { organisations } from '../resources/organisations/table.js';
import { people } from '../resources/people/table.js';
import type { ResourceTable } from '../resources/shared/repository.js';

export const searchTypes = ['articles', 'people', 'organisations', 'meetings'] as const;
export type SearchType = (typeof searchTypes)[number];

type Row = Record<string, unknown>;

/** One searchable text of a record; `path` names it in snippets (`aliases.1`). */
export interface SearchField {
  path: string;
  text: string;
}

/** Reads the searchable texts of one column of a row; `text`: the column holds one plain text (not a JSON list). */
type FieldReader = ((row: Row) => SearchField[]) & { column: string; text: boolean };

const single = (key: string): FieldReader => Object.assign((row: Row) => (typeof row[key] === 'string' ? [{ path: key, text: row[key] }] : []), { column: key, text: true });

const list = (key: string): FieldReader => Object.assign((row: Row) => ((row[key] as string[] | undefined) ?? []).map((text, i) => ({ path: `${key}.${i}`, text })), { column: key, text: false });

/** What search reads from one resource: title fields rank above body fields. */
export interface SearchSource {
  table: ResourceTable;
  /** The column shown as the result's label: a title or a name. */
  label: 'title' | 'name';
  title: FieldReader[];
  body: FieldReader[];
}

export const searchSources: Record<SearchType, SearchSource> = {
  articles: { table: articles, label: 'title', title: [single('title')], body: [single('body_text')] },
  people: { table: people, label: 'name', title: [single('name'), list('aliases')], body: [single('position')] },
  organisations: { table: organisations, label: 'name', title: [single('name'), list('aliases')], body: [] },
  meetings: {
    table: meetings,
    label: 'title',
    title: [single('title')],
    body: [single('summary'), list('topics'), list('outcomes'), single('location')],
  },
};

export const readFields = (readers: FieldReader[], row: Row): SearchField[] => readers.flatMap((read) => read(row));
