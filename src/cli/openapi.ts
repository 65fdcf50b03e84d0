import { writeFileSync } from 'node:fs';
import { openApiYaml } from '../openapi-document.js';

/** `npm run openapi`: writes openapi.yaml from the routes, as the server serves it. */
writeFileSync(new URL('../../openapi.yaml', import.meta.url), await openApiYaml());
process.stdout.write('wrote openapi.yaml\n');
