import { connect, type Socket } from 'node:net';
import t from 'tap';
import { databaseOf } from '../../src/core/db/handles.js';
import { build, recordStatements, sqliteOnly } from '../helper.js';

const backlog = 100_000;
/** What the server may hold for one stream in its socket: a high-water mark and a page of events, with room to spare. */
const writeBound = 64 * 1024;

t.test('a client that does not read holds a bounded buffer on the server, and then gets every event in order', sqliteOnly('counts the statements SQLite runs'), async (t) => {
  const app = await build(t, { changeStream: { heartbeatMs: 60_000, pollMs: 20, maxStreams: 10, maxStreamsPerClient: 10 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const seeded = databaseOf(app.services).sqlite.prepare('select count(*) from changes').pluck().get() as number;
  // The backlog written straight into the table: the stream reads it whoever wrote it.
  databaseOf(app.services)
    .sqlite.prepare(
      `with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)
       insert into changes (resource, record_id, action, version, at)
       select 'organisations', printf('%08d-0000-7000-8000-000000000000', i), 'updated', i, '2026-01-01T00:00:00.000Z' from n`,
    )
    .run(backlog);
  const total = seeded + backlog;

  const serverSockets: Socket[] = [];
  app.server.on('connection', (socket: Socket) => serverSockets.push(socket));
  const client = connect(port, '127.0.0.1');
  t.teardown(() => client.destroy());
  await new Promise((resolve) => client.once('connect', resolve));
  client.pause();
  client.write(`GET /v1/changes/stream?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);

  let largest = 0;
  const statements = await recordStatements(app, async () => {
    const sampling = setInterval(() => {
      for (const socket of serverSockets) largest = Math.max(largest, socket.writableLength);
    }, 5);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    clearInterval(sampling);
  });
  const pagesRead = statements.filter((call) => /from "changes" where "changes"."seq" > \?/.test(call.source)).length;
  t.equal(serverSockets.length, 1);
  t.ok(largest <= writeBound, `the server socket's buffer stayed at most ${writeBound} bytes (largest ${largest})`);
  t.ok(pagesRead * 100 < total / 2, `the stream stopped reading the table when the client stopped reading (${pagesRead} pages of ${Math.ceil(total / 100)})`);

  let text = '';
  let lastId = 0;
  let inOrder = true;
  const done = new Promise<void>((resolve) => {
    client.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const lines = text.split('\n');
      text = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('id: ')) continue;
        const id = Number(line.slice(4));
        if (id !== lastId + 1) inOrder = false;
        lastId = id;
        if (id === total) resolve();
      }
    });
  });
  client.resume();
  await done;
  t.ok(inOrder, 'every event once, in seq order, without gaps');
  t.equal(lastId, total);
});
