import { engineUnder } from '../../src/core/db/handles.js';
import { createSearch } from '../../src/core/search/search.js';
import type { App } from '../../src/web/app.js';

/** Search as the services build it on the app's engine, either of them, with the tests' own limits. */
export function searchWithLimits(app: App, options?: Parameters<typeof createSearch>[3]) {
  const { reads, index, stamp } = engineUnder(app.services);
  return createSearch(reads, index, stamp, options);
}
