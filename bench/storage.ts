/** What the database holds after the run, by table and index, from SQLite's dbstat virtual table. */
import Sqlite from 'better-sqlite3';
import { count, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { articleBodyText, articles } from '../src/core/resources/articles/table.js';

interface StoredObject {
  name: string;
  /** The table it belongs to: itself for a table, its table for an index. */
  table: string;
  bytes: number;
}

export interface Storage {
  articles: number;
  /** The articles' text as UTF-8 (title and plain-text body). */
  textBytes: number;
  objects: StoredObject[];
  /** Levels of the articles table's b-tree: what a read by key walks. */
  depth: number;
}

export function storage(file: string): Storage {
  const db = new Sqlite(file, { readonly: true });
  try {
    const objects = db
      .prepare<[], StoredObject>(
        // An FTS5 index's shadow tables (search_index_data …) are counted as its own.
        `select d.name, coalesce(v.name, m.tbl_name, d.name) as "table", d.pgsize as bytes from dbstat as d
         left join sqlite_schema as m on m.name = d.name
         left join sqlite_schema as v on v.type = 'table' and v.sql like 'CREATE VIRTUAL TABLE%' and substr(d.name, 1, length(v.name) + 1) = v.name || '_'
         where d.aggregate = true order by d.pgsize desc, d.name`,
      )
      .all();
    const text = drizzle(db)
      .select({ articles: count(), textBytes: sql<number>`coalesce(sum(length(cast(${articles.title} as blob)) + length(cast(${articleBodyText} as blob))), 0)` })
      .from(articles)
      .get()!;
    const depth = db.prepare<[], number>("select max(length(path) - length(replace(path, '/', ''))) from dbstat where name = 'articles' and pagetype <> 'overflow'").pluck().get()!;
    return { ...text, objects, depth };
  } finally {
    db.close();
  }
}

const megabytes = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** One line per table and index, largest first, then the total and the articles' text for scale. */
export function storageTable({ articles, textBytes, objects }: Storage): string[][] {
  const perArticle = (bytes: number) => (articles > 0 ? (bytes / articles).toFixed(0) : '–');
  const total = objects.reduce((sum, object) => sum + object.bytes, 0);
  return [
    ['table or index', 'of table', 'MB', 'bytes per article'],
    ...objects.map((object) => [object.name, object.table, megabytes(object.bytes), perArticle(object.bytes)]),
    ['all', '', megabytes(total), perArticle(total)],
    ['article text (title and body, UTF-8)', 'articles', megabytes(textBytes), perArticle(textBytes)],
  ];
}
