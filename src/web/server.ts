import closeWithGrace from 'close-with-grace';
import { loadConfig } from '../core/config.js';
import { messageOf } from '../core/errors.js';
import { buildApp } from './app.js';
import { isClusterPrimary, superviseWorkers } from './cluster.js';

/** Loads the configuration, builds the app, listens, and closes cleanly on SIGTERM/SIGINT. With WORKERS > 1 each worker does this. */
async function main() {
  const config = loadConfig();
  if (isClusterPrimary(config)) return superviseWorkers(config);
  const app = await buildApp(config);
  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'closing');
    await app.close();
  });
  if (config.apiTokens.length === 0) app.log.warn('writes are disabled: set API_TOKENS to allow them');
  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  // One line, naming what is wrong (ConfigError names the variable), and a non-zero exit.
  process.stderr.write(`khabar: ${messageOf(error)}\n`);
  process.exit(1);
});
