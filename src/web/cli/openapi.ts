import { writeFileSync } from 'node:fs';
import { openApiYaml } from '../openapi/document.js';

/** `npm run openapi [-- <file>]`: writes the document the server serves, as YAML, to openapi.yaml or the file given. */
const target = process.argv[2] ?? 'openapi.yaml';
writeFileSync(target, await openApiYaml());
process.stdout.write(`wrote ${target}\n`);
