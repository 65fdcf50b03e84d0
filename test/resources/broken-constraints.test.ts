import { sql } from 'drizzle-orm';
import t from 'tap';
import { auth, body, build, countRows, testEngine, writeRows } from '../helper.js';

/*
 * A write that gets past the repositories' own checks and breaks a constraint of the tables answers the same problem
 * on both engines (src/core/db/constraints.ts), never a 500. A trigger the test installs stands in for what would do
 * it: another write deleting a referenced row between the check and the insert, or a value the schemas let through
 * that a table refuses.
 */

const json = { ...auth, 'content-type': 'application/json' };

/**
 * A trigger on organisations' inserts that runs `body` for a row `when` holds, in the engine's own words (PostgreSQL's
 * runs a function), and the statements that remove it.
 */
function breakingTrigger(timing: 'before' | 'after', when: string, body: string): { install: string[]; remove: string[] } {
  if (testEngine === 'postgres') {
    return {
      install: [
        `create function breaks_a_rule() returns trigger language plpgsql as $$ begin ${body}; return new; end $$`,
        `create trigger breaks_a_rule ${timing} insert on organisations for each row when (${when}) execute function breaks_a_rule()`,
      ],
      remove: ['drop trigger breaks_a_rule on organisations', 'drop function breaks_a_rule()'],
    };
  }
  return { install: [`create trigger breaks_a_rule ${timing} insert on organisations when ${when} begin ${body}; end`], remove: ['drop trigger breaks_a_rule'] };
}

t.test('a broken constraint in a write is a problem with the same code on both engines, and nothing of the write is stored', async (t) => {
  const app = await build(t);
  const run = async (statements: string[]) => {
    for (const text of statements) await writeRows(app, sql.raw(text));
  };
  const post = (slug: string, extra: Record<string, unknown> = {}) =>
    app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug, name: `منظمة ${slug}`, kind: 'committee', ...extra } });
  const stored = (slug: string) => countRows(app, sql`organisations where slug = ${slug}`);
  const parent = await post('الأم');
  t.equal(parent.statusCode, 201);
  const parentId = body<{ data: { id: string } }>(parent).data.id;

  const cases = [
    {
      rule: 'a referenced row deleted after the check (foreign key)',
      trigger: breakingTrigger('before', 'new.parent_id is not null', 'delete from organisations where id = new.parent_id'),
      slug: 'الفرع',
      extra: { parent_id: parentId },
      status: 422,
      code: 'unknown_reference',
    },
    {
      rule: 'a row a table check refuses (check)',
      trigger: breakingTrigger('after', 'true', "insert into name_forms_revision (id, revision) values (2, 'x')"),
      slug: 'الفحص',
      extra: {},
      status: 400,
      code: 'validation_failed',
    },
    {
      rule: 'a column left null (not null)',
      trigger: breakingTrigger('after', 'true', 'update organisations set name = null where id = new.id'),
      slug: 'الفراغ',
      extra: {},
      status: 400,
      code: 'validation_failed',
    },
  ];
  for (const { rule, trigger, slug, extra, status, code } of cases) {
    await run(trigger.install);
    const response = await post(slug, extra);
    await run(trigger.remove);
    t.equal(response.statusCode, status, `${rule}: ${status}`);
    t.match(response.headers['content-type'], /^application\/problem\+json/, `${rule}: problem+json`);
    t.equal(body(response).code, code, `${rule}: ${code}`);
    t.equal(await stored(slug), 0, `${rule}: the record is not stored`);
  }
  t.equal(await stored('الأم'), 1, 'the deleted parent is back: the failed write was rolled back whole');
});
