import { stringify } from 'yaml';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

/** The served OpenAPI document as YAML, from an app on an empty in-memory database. */
export async function openApiYaml(): Promise<string> {
  const app = await buildApp({ ...loadConfig({}), databaseUrl: 'file::memory:', seed: 'never', logLevel: 'silent' });
  await app.ready();
  const document = app.swagger();
  await app.close();
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
