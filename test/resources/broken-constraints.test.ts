import t from 'tap';
import { databaseOf } from '../../src/core/db/handles.js';
import { auth, body, build, sqliteOnly } from '../helper.js';

/*
 * A write that gets past the repositories' own checks and breaks a constraint of the tables answers the problem
 * PostgreSQL's write path gives for it (src/core/db/constraints.ts), never a 500. A trigger the test installs
 * stands in for what would do it: another write deleting a referenced row between the check and the insert, or
 * a value the schemas let through that a table refuses.
 */

const json = { ...auth, 'content-type': 'application/json' };

t.test(
  'a broken constraint in a write is a problem with the same code as on PostgreSQL, and nothing of the write is stored',
  sqliteOnly("SQLite triggers break the rules (PostgreSQL's mapping: test/db/postgres-write.test.ts)"),
  async (t) => {
    const app = await build(t);
    const sqlite = databaseOf(app.services).sqlite;
    const post = (slug: string, extra: Record<string, unknown> = {}) =>
      app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug, name: `منظمة ${slug}`, kind: 'committee', ...extra } });
    const stored = (slug: string) => sqlite.prepare('select count(*) from organisations where slug = ?').pluck().get(slug);
    const parent = await post('الأم');
    t.equal(parent.statusCode, 201);
    const parentId = body<{ data: { id: string } }>(parent).data.id;

    const cases = [
      {
        rule: 'a referenced row deleted after the check (foreign key)',
        trigger: 'before insert on organisations when new.parent_id is not null begin delete from organisations where id = new.parent_id; end',
        slug: 'الفرع',
        extra: { parent_id: parentId },
        status: 422,
        code: 'unknown_reference',
      },
      {
        rule: 'a row a table check refuses (check)',
        trigger: "after insert on organisations begin insert into name_forms_revision (id, revision) values (2, 'x'); end",
        slug: 'الفحص',
        extra: {},
        status: 400,
        code: 'validation_failed',
      },
      {
        rule: 'a column left null (not null)',
        trigger: 'after insert on organisations begin update organisations set name = null where id = new.id; end',
        slug: 'الفراغ',
        extra: {},
        status: 400,
        code: 'validation_failed',
      },
    ];
    for (const { rule, trigger, slug, extra, status, code } of cases) {
      sqlite.exec(`create trigger breaks_a_rule ${trigger}`);
      const response = await post(slug, extra);
      sqlite.exec('drop trigger breaks_a_rule');
      t.equal(response.statusCode, status, `${rule}: ${status}`);
      t.match(response.headers['content-type'], /^application\/problem\+json/, `${rule}: problem+json`);
      t.equal(body(response).code, code, `${rule}: ${code}`);
      t.equal(stored(slug), 0, `${rule}: the record is not stored`);
    }
    t.equal(stored('الأم'), 1, 'the deleted parent is back: the failed write was rolled back whole');
  },
);
