import { asc } from 'drizzle-orm';
import t from 'tap';
import { statement } from '../../src/core/db/statements.js';
import type { Condition } from '../../src/core/list/query.js';
import { filterCondition, filterValues } from '../../src/core/list/sql.js';
import { personList } from '../../src/core/resources/people/list.js';
import { people } from '../../src/core/resources/people/table.js';
import { engines } from '../engines.js';

/*
 * The list engine's filters spelled in each engine's dialect (docs/postgresql.md, step 2): `ne` (a null differs
 * from a value), `contains` (a substring, its `%` and `_` plain characters), `in` and `nin` (a bound JSON list),
 * run on SQLite and PostgreSQL over the same rows. The ids each should select are written out from the rows.
 */

const { onBoth } = engines(t);

const at = '2026-01-01T00:00:00.000Z';
const person = (id: string, name: string, country: string | null) => ({ id, slug: id, name, honorific: null, position: null, country, aliases: [], version: 1, created_at: at, updated_at: at });
const rows = [person('p1', 'علي العدواني', 'KW'), person('p2', 'عبدالعزيز بن سعود', 'SA'), person('p3', 'مدير 100%_', null), person('p4', 'Ali', 'KW')];

onBoth('the filters: ne, contains, in and nin select the same rows on both engines', async (t, engine) => {
  await engine.insert(people, rows);
  const selected = async (field: string, op: Condition['op'], value: Condition['value']) => {
    const condition = { field, op, value };
    const where = filterCondition(engine.statements.dialect, people, personList.filters[field]!, condition, 'f0');
    const query = statement.select({ id: people.id }).from(people).where(where).orderBy(asc(people.id));
    return (await engine.statements.prepare(query).all(filterValues(condition, 'f0'))).map(({ id }) => id);
  };
  t.strictSame(await selected('country', 'ne', 'KW'), ['p2', 'p3'], 'ne: a null country differs from KW');
  t.strictSame(await selected('name', 'contains', 'العدوان'), ['p1'], 'contains: an Arabic substring');
  t.strictSame(await selected('name', 'contains', '0%_'), ['p3'], 'contains: % and _ are plain characters');
  t.strictSame(await selected('name', 'contains', 'ali'), [], 'contains: case as written');
  t.strictSame(await selected('country', 'in', ['SA', 'QA']), ['p2']);
  t.strictSame(await selected('country', 'nin', ['KW']), ['p2', 'p3'], 'nin: a null is not in the list');
  t.strictSame(await selected('id', 'in', []), [], 'in: an empty list selects nothing');
});
