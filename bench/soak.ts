/**
 * `npm run bench -- --soak <minutes>`: the mixed load (readers at a fixed rate, writers at 50 a second) for that
 * long on one khabar server, sampling its resident memory and the WAL file's size every few seconds, and
 * saying whether both are flat after the warm-up.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { walBoundBytes } from '../src/core/db/database.js';
import { temporaryFolder } from './cleanup.js';
import { Loader } from './compare.js';
import { prepareDatabase, sampleData } from './data.js';
import { freePort } from './free-port.js';
import type { StatusCounts } from './load.js';
import { addedCounts, countsLine, readerSlice, startWriters, writeTimeTable } from './mixed.js';
import { startServer } from './processes.js';
import { markdownTable } from './report.js';
import { khabarEnv, log, nodeScript, root, settings } from './settings.js';

interface Sample {
  seconds: number;
  rssMb: number;
  walMb: number;
}

/** Resident memory of a process in MB now (VmRSS). */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

const walMb = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size / 2 ** 20 : 0);

const walBoundMb = walBoundBytes / 2 ** 20;

/** The first fifth of the run is warm-up; what follows is cut in two halves. */
const warmUpShare = 0.2;

/**
 * Flat: the second half after the warm-up peaks no higher than the first half did, give or take 5% and `slack` MB
 * (RSS: 5 MB of garbage-collection noise; WAL: the bound at which the serving connection checkpoints itself).
 */
function flatness(samples: Sample[], of: (s: Sample) => number, slack: number) {
  const settled = samples.slice(Math.floor(samples.length * warmUpShare));
  const half = Math.floor(settled.length / 2);
  const first = Math.max(...settled.slice(0, half).map(of));
  const second = Math.max(...settled.slice(half).map(of));
  return { first, second, flat: second <= first * 1.05 + slack };
}

export async function soak(minutes: number) {
  const folder = temporaryFolder('khabar-soak-');
  const dir = folder.path;
  const loader = new Loader();
  try {
    const { file } = await prepareDatabase(dir, root, nodeScript(root, 'seed:synthetic').script);
    const sample = sampleData(file);
    const start = nodeScript(root, 'start');
    const port = await freePort();
    const server = await startServer({
      name: 'khabar',
      args: [...start.flags, join(root, start.script)],
      env: { ...khabarEnv, DATABASE_URL: `file:${file}`, PORT: String(port) },
      port,
      core: 0,
      readyPath: sample.articlePaths[0]!,
    });
    const pid = server.child.pid!;
    const began = performance.now();
    const until = began + minutes * 60_000;
    const samples: Sample[] = [];
    const sampler = setInterval(() => samples.push({ seconds: (performance.now() - began) / 1000, rssMb: rssMb(pid), walMb: walMb(file) }), settings.soakSampleSeconds * 1000);
    log(`soak: ${minutes} min of readers at ${settings.mixed.readRate}/s and ${settings.mixed.writeRate} writes/s`);
    const writers = startWriters(server, sample, settings.mixed.writeRate);
    let reads = 0;
    let readFailures = 0;
    let readStatuses: StatusCounts = {};
    while (performance.now() < until) {
      const slice = await loader.run(server, readerSlice(sample, Math.max(1, Math.min(10, Math.ceil((until - performance.now()) / 1000)))));
      // Answered, and sent but not answered (counted again among the failures).
      reads += slice.requests + slice.errors;
      readFailures += slice.non2xx + slice.errors;
      readStatuses = addedCounts([readStatuses, slice.statuses]);
    }
    const writes = await writers.stop();
    clearInterval(sampler);
    await server.stop();

    const rss = flatness(samples, (s) => s.rssMb, 5);
    const wal = flatness(samples, (s) => s.walMb, walBoundMb);
    const every = Math.max(1, Math.round(samples.length / 20));
    const table = [
      ['seconds', 'RSS MB', 'WAL MB'],
      ...samples.filter((_, i) => i % every === 0 || i === samples.length - 1).map((s) => [s.seconds.toFixed(0), s.rssMb.toFixed(1), s.walMb.toFixed(1)]),
    ];
    const verdict = (name: string, v: ReturnType<typeof flatness>) =>
      `- ${name}: peak ${v.first.toFixed(1)} MB in the first half after the warm-up, ${v.second.toFixed(1)} MB in the second: ${v.flat ? 'flat' : 'GROWING'}`;
    process.stdout.write(`# Soak: ${minutes} min

${reads} reads (${readFailures} not 2xx), ${writes.sent} writes (${writes.failed} failed); ${samples.length} samples, one every ${settings.soakSampleSeconds} s.

- reads by status: ${countsLine(readStatuses)}
- writes by status: ${countsLine(writes.statuses)}

Flat means: after a warm-up of the first ${warmUpShare * 100}% of the run, the second half peaks no higher than the first
half did, give or take 5% plus 5 MB (RSS) or ${walBoundMb} MB (WAL: its bound, core/db/database.ts).

${verdict('RSS', rss)}
${verdict('WAL', wal)}

${markdownTable(table)}

${markdownTable(writeTimeTable(writes))}
`);
  } finally {
    await loader.stop();
    await folder.remove();
  }
}
