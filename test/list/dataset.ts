import { type SQLWrapper, sql } from 'drizzle-orm';
import { engineUnder } from '../../src/core/db/handles.js';
import { newId } from '../../src/core/db/ids.js';
import type { Statement } from '../../src/core/db/statements.js';
import { rebuildSearchIndex } from '../../src/core/search/analyser-version.js';
import type { App } from '../../src/web/app.js';
import { readsChangeStamp, recordStatements, type StatementCall } from '../helper.js';

export const rowsPerResource = 1000;

const kinds = ['ministry', 'agency', 'government', 'committee', 'other'];
const statuses = ['planned', 'held', 'cancelled'];
const countries = ['KW', 'SA', null, 'AE'];
const languages = ['ar', 'en', 'fr'];

/** A moment `step` hours into 2026, as the API writes date-times without milliseconds. */
const hoursIn = (step: number) => new Date(Date.UTC(2026, 0, 1) + step * 3_600_000).toISOString();
/** Repeating values (duplicates and NULLs), so that sort tie-breaks and NULL keys are exercised. */
const pick = <T>(values: readonly T[], i: number): T => values[i % values.length]!;

/**
 * Adds `rowsPerResource` records of each kind to the app's database, on either engine, with direct inserts in one write,
 * with links between them, duplicate and NULL sort keys, and updated_at values that repeat. Direct inserts
 * bypass the search indexer, so the index is rebuilt after them, as the synthetic seed does.
 */
export async function generateDataset(app: App) {
  const { writes, index } = engineUnder(app.services);
  await writes.run(async (tx) => {
    // One statement per table and set of columns, its values bound by name: the engine prepares it once.
    const inserts = new Map<string, Statement<unknown>>();
    const insert = async (table: string, row: Record<string, unknown>) => {
      const columns = Object.keys(row);
      const key = `${table}(${columns.join()})`;
      if (!inserts.has(key)) {
        const list = (each: (column: string) => SQLWrapper) => sql.join(columns.map(each), sql`, `);
        inserts.set(key, tx.prepare(sql`insert into ${sql.identifier(table)} (${list((column) => sql.identifier(column))}) values (${list((column) => sql.placeholder(column))})`));
      }
      await inserts.get(key)!.run(row);
    };
    await insertRows(insert);
  });
  await rebuildSearchIndex({ write: (body) => writes.run(body) }, index);
}

const record = (i: number, prefix: string) => {
  const at = hoursIn(i % 300);
  return { id: newId(), slug: `${prefix}-${i}`, version: 1, created_at: at, updated_at: at };
};

/** The records, each row as a table stores it (JSON as its text), given to `insert` in an order that satisfies the foreign keys. */
async function insertRows(insert: (table: string, row: Record<string, unknown>) => Promise<void>) {
  const organisations: string[] = [];
  for (let i = 0; i < rowsPerResource; i++) {
    const row = { ...record(i, 'org'), name: `منظمة ${i % 400}`, kind: pick(kinds, i), country: pick(countries, i), parent_id: i >= 10 && i % 3 ? organisations[i % 10]! : null, aliases: '[]' };
    await insert('organisations', row);
    organisations.push(row.id);
  }
  const people: string[] = [];
  for (let i = 0; i < rowsPerResource; i++) {
    const row = { ...record(i, 'person'), name: `شخص ${i % 250}`, honorific: null, position: null, country: pick(countries, i + 1), aliases: '[]' };
    await insert('people', row);
    people.push(row.id);
    await insert('affiliations', { person_id: row.id, position: 0, organisation_id: organisations[i % 50]!, role: 'عضو', acting: i % 2 });
  }
  const meetings: string[] = [];
  for (let i = 0; i < rowsPerResource; i++) {
    const startsAt = pick([null, hoursIn(i % 500), hoursIn(i % 500).slice(0, 10)], i);
    const row = {
      ...record(i, 'meeting'),
      title: `اجتماع ${i % 300}`,
      status: pick(statuses, i),
      starts_at: startsAt,
      date_text: null,
      location: null,
      summary: null,
      topics: '[]',
      outcomes: '[]',
      host_organisation_id: i % 4 ? organisations[i % 20]! : null,
    };
    await insert('meetings', row);
    meetings.push(row.id);
    await insert('meeting_participants', { meeting_id: row.id, position: 0, person_id: people[i % 100]!, organisation_id: organisations[i % 50]!, role: 'host' });
    await insert('meeting_participants', { meeting_id: row.id, position: 1, person_id: people[(i + 7) % 100]!, organisation_id: null, role: 'guest' });
    await insert('meeting_organisations', { meeting_id: row.id, position: 0, organisation_id: organisations[i % 30]! });
  }
  for (let i = 0; i < rowsPerResource; i++) {
    const body = [{ type: 'paragraph', text: `نص ${i}` }];
    const row = {
      ...record(i, 'article'),
      title: `مقال ${i % 200}`,
      language: pick(languages, i),
      summary: null,
      body: JSON.stringify(body),
      source: null,
      published_at: i % 7 ? hoursIn(i % 250) : null,
      // Some of each state, so that filter[status] has values to sample; the list tests read with a token.
      status: ['published', 'draft', 'published', 'archived', 'published'][i % 5],
    };
    await insert('articles', row);
    await insert('article_people', { article_id: row.id, position: 0, subject_id: people[i % 100]! });
    await insert('article_people', { article_id: row.id, position: 1, subject_id: people[(i + 1) % 100]! });
    await insert('article_organisations', { article_id: row.id, position: 0, subject_id: organisations[i % 40]! });
    await insert('article_meetings', { article_id: row.id, position: 0, subject_id: meetings[i % 60]! });
  }
}

/**
 * The statements a request runs, but the change stamp's (SQLite's data_version, PostgreSQL's change count), which the
 * remembered totals read to know whether the data changed: bookkeeping, not the request's own query.
 */
export async function requestStatements(app: App, action: () => Promise<unknown>): Promise<StatementCall[]> {
  return (await recordStatements(app, action)).filter((call) => !readsChangeStamp(call));
}
