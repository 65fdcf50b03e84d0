import { databaseOf } from '../../src/core/db/handles.js';
import { newId } from '../../src/core/db/ids.js';
import { connectionExecutors } from '../../src/core/db/sqlite-write.js';
import { rebuildSearchIndex } from '../../src/core/search/analyser-version.js';
import { fts5Index } from '../../src/core/search/fts5-index.js';
import type { App } from '../../src/web/app.js';
import { recordStatements, type StatementCall } from '../helper.js';

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
 * Adds `rowsPerResource` records of each kind to the app's database with direct inserts in one transaction,
 * with links between them, duplicate and NULL sort keys, and updated_at values that repeat. Direct inserts
 * bypass the search indexer, so the index is rebuilt after them, as the synthetic seed does.
 */
export async function generateDataset(app: App) {
  const { sqlite } = databaseOf(app.services);
  const insert = (table: string, row: Record<string, unknown>) => {
    const columns = Object.keys(row);
    sqlite.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`).run(row);
  };
  const record = (i: number, prefix: string) => {
    const at = hoursIn(i % 300);
    return { id: newId(), slug: `${prefix}-${i}`, version: 1, created_at: at, updated_at: at };
  };
  sqlite.transaction(() => {
    const organisations: string[] = [];
    for (let i = 0; i < rowsPerResource; i++) {
      const row = { ...record(i, 'org'), name: `منظمة ${i % 400}`, kind: pick(kinds, i), country: pick(countries, i), parent_id: i >= 10 && i % 3 ? organisations[i % 10]! : null, aliases: '[]' };
      insert('organisations', row);
      organisations.push(row.id);
    }
    const people: string[] = [];
    for (let i = 0; i < rowsPerResource; i++) {
      const row = { ...record(i, 'person'), name: `شخص ${i % 250}`, honorific: null, position: null, country: pick(countries, i + 1), aliases: '[]' };
      insert('people', row);
      people.push(row.id);
      insert('affiliations', { person_id: row.id, position: 0, organisation_id: organisations[i % 50]!, role: 'عضو', acting: i % 2 });
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
      insert('meetings', row);
      meetings.push(row.id);
      insert('meeting_participants', { meeting_id: row.id, position: 0, person_id: people[i % 100]!, organisation_id: organisations[i % 50]!, role: 'host' });
      insert('meeting_participants', { meeting_id: row.id, position: 1, person_id: people[(i + 7) % 100]!, organisation_id: null, role: 'guest' });
      insert('meeting_organisations', { meeting_id: row.id, position: 0, organisation_id: organisations[i % 30]! });
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
      insert('articles', row);
      insert('article_people', { article_id: row.id, position: 0, subject_id: people[i % 100]! });
      insert('article_people', { article_id: row.id, position: 1, subject_id: people[(i + 1) % 100]! });
      insert('article_organisations', { article_id: row.id, position: 0, subject_id: organisations[i % 40]! });
      insert('article_meetings', { article_id: row.id, position: 0, subject_id: meetings[i % 60]! });
    }
  })();
  await rebuildSearchIndex(connectionExecutors(databaseOf(app.services).sqlite), fts5Index);
}

/**
 * The statements a request runs, but the change stamp (src/core/db/change-stamp.ts), which the remembered totals
 * read to know whether the data changed: bookkeeping, not the request's own query.
 */
export async function requestStatements(app: App, action: () => Promise<unknown>): Promise<StatementCall[]> {
  return (await recordStatements(app, action)).filter((call) => !call.source.includes('pragma_data_version'));
}
