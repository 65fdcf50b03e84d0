import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { type Inventory, inventory, type Json, resolve } from './inventory.js';

type Operation = Inventory['operations'][string];

/**
 * The contract as it stood before the document was built at build time (recorded from that openapi.yaml):
 * the document may grow, but nothing a client relies on may go.
 */
const recorded = JSON.parse(readFileSync(new URL('../fixtures/openapi-inventory.json', import.meta.url), 'utf8')) as Inventory;
const document = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
const current = inventory(document);
/**
 * The revision operations as each resource had them before they were served once for every resource
 * (recorded from that openapi.yaml): each is now the operation of its family at `/v1/{resource}/…`.
 */
const recordedRevisions: Inventory['operations'] = JSON.parse(readFileSync(new URL('../fixtures/openapi-revision-operations.json', import.meta.url), 'utf8'));

/** Names given up on purpose, with the name that replaces each and why. */
const renamedSchemas: Record<string, string> = {
  // The written twin was the read schema word for word: requests now refer to Block itself.
  BlockInput: 'Block',
};
/**
 * Descriptions rewritten on purpose since the inventory was recorded, old text → new: a read's Last-Modified
 * is no longer sent, lists have a byte budget and a capped count, embedded articles have no body and a page embeds at most 100 records (was 200), search
 * ranks only what it can afford and counts distinct terms, a quoted word is searched as written, "a article"
 * and "a organisation" take "an".
 */
const rewordedDescriptions: Record<string, string> = JSON.parse(readFileSync(new URL('../fixtures/openapi-rewordings.json', import.meta.url), 'utf8'));

/** Parameters withdrawn on purpose: reads carry no Last-Modified, so a date alone validates nothing. */
const removedParameters = new Set(['header If-Modified-Since']);
/** Their descriptions go with them. */
const removedDescriptions = new Set(['HTTP date: 304 when nothing changed since (ignored when If-None-Match is sent)']);

const missing = (before: string[], after: string[]) => before.filter((item) => !after.includes(item));

/** What `after` must keep of the operation `before` was: its parameters, request media types, statuses and response media types. */
function keeps(t: Test, key: string, before: Operation, after: Operation) {
  t.same(
    missing(
      before.parameters.filter((parameter) => !removedParameters.has(parameter)),
      after.parameters,
    ),
    [],
    `${key}: parameters`,
  );
  t.same(missing(before.requestBody, after.requestBody), [], `${key}: request body media types`);
  for (const [status, types] of Object.entries(before.responses)) {
    t.ok(after.responses[status], `${key} ${status}: still documented`);
    t.same(missing(types, after.responses[status] ?? []), [], `${key} ${status}: media types`);
  }
}

/**
 * Operations written out for each resource when the inventory was recorded and now served once for all of
 * them at `/v1/{resource}/…`, as the revisions are: recorded operation id → the family's.
 */
const servedOnce: Record<string, string> = {
  list_person_provenance: 'list_provenance',
  list_organisation_provenance: 'list_provenance',
  list_meeting_provenance: 'list_provenance',
};

/** The operation `GET /v1/people/…` is served by now, `GET /v1/{resource}/…`, if its resource parameter names people. */
function family(t: Test, key: string): Operation | undefined {
  const [, method, resource, rest] = /^(\w+) \/v1\/([^/]+)(\/.*)$/.exec(key)!;
  const familyKey = `${method} /v1/{resource}${rest}`;
  const after = current.operations[familyKey];
  if (!after) {
    t.fail(`${key}: no ${familyKey}`);
    return undefined;
  }
  const parameter = document.paths[`/v1/{resource}${rest}`][method!.toLowerCase()].parameters.map((p: Json) => resolve(document, p)).find((p: Json) => p.name === 'resource');
  t.match(parameter, { in: 'path', required: true }, `${familyKey}: resource is a path parameter`);
  t.ok(parameter.schema.enum.includes(resource), `${key}: ${resource} is a value of ${familyKey}'s resource parameter`);
  return after;
}

t.test('every operation keeps its id, parameters, request media types, statuses and response media types', async (t) => {
  for (const [key, before] of Object.entries(recorded.operations)) {
    const familyId = servedOnce[before.operationId];
    const after = familyId ? family(t, key) : current.operations[key];
    if (!after) {
      t.fail(`${key} is gone`);
      continue;
    }
    t.equal(after.operationId, familyId ?? before.operationId, `${key}: operationId`);
    keeps(t, key, before, after);
  }
});

t.test("every resource's revision operations are served by their family, whose resource parameter names it", async (t) => {
  t.equal(Object.keys(recordedRevisions).length, 16, 'four operations for each of four resources');
  for (const [key, before] of Object.entries(recordedRevisions)) {
    const after = family(t, key);
    if (after) keeps(t, key, before, after);
  }
});

t.test('every component schema keeps its name (or the listed new one)', async (t) => {
  const expected = recorded.schemas.map((name) => renamedSchemas[name] ?? name);
  t.same(missing(expected, current.schemas), []);
});

t.test('every description is still there (or its listed rewording)', async (t) => {
  const expected = recorded.descriptions.filter((text) => !removedDescriptions.has(text)).map((text) => rewordedDescriptions[text] ?? text);
  t.same(missing(expected, current.descriptions), []);
});
