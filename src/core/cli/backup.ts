import { resolve } from 'node:path';
import { loadConfig } from '../config.js';
import { backupDatabase } from '../db/backup.js';
import { messageOf } from '../errors.js';

const usage = `usage: npm run backup -- [--force] <file>

Copies the database DATABASE_URL names to <file>, consistently even while the server writes to it, as one
self-contained SQLite file. <file> is relative to the folder you run the command in. An existing <file> is
refused unless --force is given; the live database and its -wal, -shm and -journal files always are.
A file whose name starts with - is written ./-name.

  --force    replace <file> if it exists, and remove the -wal, -shm and -journal beside it
  --help     print this and exit
`;

class UsageError extends Error {}

function parseArguments(args: string[]): { help: true } | { help: false; file: string; force: boolean } {
  if (args.includes('--help') || args.includes('-h')) return { help: true };
  const unknown = args.find((arg) => arg.startsWith('-') && arg !== '--force');
  if (unknown !== undefined) throw new UsageError(`unknown option ${unknown}`);
  const files = args.filter((arg) => arg !== '--force');
  if (files.length !== 1) throw new UsageError(files.length === 0 ? 'name the file to write' : `one file, not ${files.length}`);
  return { help: false, file: files[0]!, force: args.includes('--force') };
}

// npm runs scripts in the package root and says in INIT_CWD where it was called from; run directly, the
// caller's folder is the working folder (an INIT_CWD then is an outer npm command's, not this one's).
const callerFolder = process.env.npm_lifecycle_event === 'backup' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();

/** `npm run backup -- [--force] <file>`: a consistent online copy of the configured database, safe while the server runs. */
try {
  const options = parseArguments(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(usage);
  } else {
    const { source, file, pages } = await backupDatabase(loadConfig().databaseUrl, resolve(callerFolder, options.file), { force: options.force });
    process.stdout.write(`backed up ${pages} pages of ${source} to ${file}\n`);
  }
} catch (error) {
  process.stderr.write(`khabar backup: ${messageOf(error)}${error instanceof UsageError ? ' (see --help)' : ''}\n`);
  process.exit(1);
}
