/** Where a `file:` `DATABASE_URL` keeps the database: a file path as written, or SQLite's `:memory:`. */
export type DatabaseLocation = { path: string } | { problem: string };

export const inMemory = ':memory:';

/**
 * Reads `file:<path>`, `file:///<absolute path>` or `file::memory:`. The path is taken literally, so
 * every form that SQLite or a shell would read differently is refused rather than guessed at: a query
 * string or fragment (SQLite's URI parameters), a leading `~` (no shell expands it here), a second
 * scheme, a host, whitespace around the value or the path, control characters, an empty path.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url !== url.trim()) return { problem: 'has whitespace around it' };
  if (!url.startsWith('file:')) return { problem: 'must start with file: (SQLite), postgres: or postgresql:' };
  let path = url.slice('file:'.length);
  if (path === inMemory) return { path };
  if (path.startsWith('//')) {
    if (!path.startsWith('///')) return { problem: 'names a host (file://host/…): write file:/path or file:///path' };
    path = path.slice(2);
  }
  if (path === '') return { problem: 'has no path: write file:<path> or file::memory:' };
  if (path !== path.trim()) return { problem: 'its path has whitespace around it' };
  if (/[?#]/.test(path)) return { problem: 'query strings and fragments are not supported: the path is taken literally' };
  if (path.startsWith(':')) return { problem: `only ${inMemory} may start with a colon` };
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return { problem: `has a second scheme (${path.slice(0, path.indexOf(':') + 1)}): write file:<path>` };
  if (path.startsWith('~')) return { problem: '~ is not expanded: write the home folder out, or a path relative to the working folder' };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this check's job
  if (/[\u0000-\u001f\u007f]/.test(path)) return { problem: 'its path has a control character' };
  if (path.length > 4096) return { problem: 'its path is longer than 4096 characters' };
  return { path };
}

/** The engines a `DATABASE_URL` may name, by its scheme. */
export type EngineName = 'sqlite' | 'postgres';

export const postgresSchemes = ['postgres:', 'postgresql:'];

/** The engine a `DATABASE_URL` names: PostgreSQL for `postgres:` and `postgresql:`, SQLite otherwise (whose parser refuses what is not `file:`). */
export const engineOf = (url: string): EngineName => (postgresSchemes.some((scheme) => url.startsWith(scheme)) ? 'postgres' : 'sqlite');

/**
 * What is wrong with a `postgres://` URL, in words that never repeat it (it may hold a password); null when
 * node-postgres can connect with it: a URL with a host and a database. Its query (`sslmode=…`) is node-postgres's.
 */
function postgresUrlProblem(url: string): string | null {
  if (url !== url.trim()) return 'has whitespace around it';
  if (!URL.canParse(url)) return 'is not a URL: write postgres://user:password@host:5432/database, percent-encoding reserved characters in the password';
  const { hostname, pathname } = new URL(url);
  if (hostname === '') return 'names no host: write postgres://user:password@host:5432/database';
  if (pathname.length <= 1) return 'names no database: write postgres://user:password@host:5432/database';
  return null;
}

/** What is wrong with a `DATABASE_READ_URL`: a read replica is PostgreSQL's, a hot standby of `DATABASE_URL`'s primary. */
export function readUrlProblem(url: string): string | null {
  return engineOf(url) === 'postgres' ? postgresUrlProblem(url) : 'must start with postgres: or postgresql: (a streaming replica of DATABASE_URL)';
}

/** What is wrong with a `DATABASE_URL` for the engine it names, null when nothing is. */
export function databaseUrlProblem(url: string): string | null {
  if (engineOf(url) === 'postgres') return postgresUrlProblem(url);
  const location = parseDatabaseUrl(url);
  return 'problem' in location ? location.problem : null;
}
