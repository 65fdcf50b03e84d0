import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../bench/free-port.js';
import { nodeScript, root } from '../bench/settings.js';

const start = nodeScript(root, 'start');
/** Node's arguments for the production server, as `npm start` runs it, flags and bundle (npm test builds it first). */
export const serverArgs = [...start.flags, join(root, start.script)];
export const processToken = 'smoke-test-token-0123456789';

export type ServerProcess = Awaited<ReturnType<typeof startServer>>;

/** Starts the real server process on 127.0.0.1 and resolves once it logs that it listens (within `startMs`). */
export async function startServer(env: Record<string, string>, startMs = 30_000) {
  const port = await freePort();
  const child = spawn(process.execPath, serverArgs, {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', API_TOKENS: `editor:${processToken}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    // A server that misses its start budget is killed, not left running with its workers.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${log}`));
    }, startMs);
    child.stdout.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  });
  /**
   * Ends the server as a deployment would (SIGTERM: it closes its database, which removes a `file::memory:`
   * database's temporary folder), killing it if it has not exited within `graceMs`.
   */
  const stop = async (graceMs = 5_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { url: `http://127.0.0.1:${port}`, port, child, exited, stop, log: () => log };
}
