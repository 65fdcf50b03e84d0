import { byResource } from '../../core/resources/registry.js';
import { recordName } from '../../core/resources/shared/declaration.js';
import type { Catalog } from '../list/view.js';

/** The representation of each resource, for what an include embeds. */
export const catalog: Catalog = byResource((resource) => ({ name: recordName(resource), record: resource.record, unembedded: resource.unembedded }));
