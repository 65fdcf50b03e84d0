import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import t from 'tap';
import { atEnd, endingWhatItStarts, stoppedAtEnd, temporaryFolder } from '../bench/cleanup.js';

t.test('a run that fails: what it started and did not end is ended, newest first and once each, and its error thrown', async (t) => {
  const handlers = process.listenerCount('SIGTERM');
  const ended: string[] = [];
  const folder = temporaryFolder('khabar-cleanup-test-');
  const endedByTheRun = atEnd(() => ended.push('ended by the run'));
  atEnd(() => ended.push(`left to the end, the folder still there: ${existsSync(folder.path)}`));
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => {
      ended.push('the child');
      resolve(signal);
    }),
  );
  stoppedAtEnd(child);
  const failure = endingWhatItStarts(async () => {
    await endedByTheRun();
    throw new RangeError('the run failed');
  });
  await t.rejects(failure, { name: 'RangeError', message: 'the run failed' }, "the run's error is thrown");
  t.equal(await exited, 'SIGTERM', 'the child was sent SIGTERM');
  t.same(ended, ['ended by the run', 'the child', 'left to the end, the folder still there: true'], 'the newest first, none twice');
  t.notOk(existsSync(folder.path), 'the folder, made first, removed last');
  await endedByTheRun();
  t.equal(ended.length, 3, 'a clean-up run again does nothing');
  t.equal(process.listenerCount('SIGTERM'), handlers, 'and its signal handlers are gone once the run is over');
});
