import { Document, isCollection, isMap, isScalar, visit } from 'yaml';
import { loadConfig } from '../../core/config.js';
import { buildApp } from '../app.js';
import { attachExamples } from './examples.js';
import { shareRecordFields } from './fields.js';
import { portablePatterns } from './patterns.js';
import { type Json, shareParameters, shareResponses } from './tidy.js';

/**
 * The origin of the absolute links in the contract's examples (JSON-LD `@id`, ninjs `uri`): a reserved example
 * domain, since the document is built once and served by servers at any PUBLIC_URL.
 */
export const exampleOrigin = 'https://khabar.example';

/**
 * The OpenAPI document as the routes describe it, with examples from the seed: built by `npm run openapi`,
 * committed as openapi.yaml, and served as is (the server opens no database to describe itself).
 */
async function openApiDocument(): Promise<Json> {
  const app = await buildApp({ ...loadConfig({}), publicUrl: exampleOrigin, databaseUrl: 'file::memory:', seed: 'never', logLevel: 'silent' }, { openApiFromRoutes: true });
  await app.ready();
  const document = app.swagger();
  await app.close();
  return portablePatterns(shareRecordFields(shareParameters(shareResponses(await attachExamples(document)))));
}

/** A name YAML 1.1 and 1.2 both read as that string: not a number, and not a word 1.1 reads as a boolean or null. */
const isPlainName = (key: string) => /^[A-Za-z_$][\w$-]*$/.test(key) && !/^(?:y|yes|n|no|true|false|on|off|null)$/i.test(key);

/** A collection this short as JSON reads as well on one line as indented, in a fraction of the lines. */
const shortCollection = 100;

/**
 * As YAML; each example's value, each list of plain values (`required`, `enum`), each `$ref` and each short
 * collection on one line as JSON reads: indented, they would be half the file.
 */
export async function openApiYaml(): Promise<string> {
  const yaml = new Document(await openApiDocument(), { aliasDuplicateObjects: false });
  visit(yaml, {
    Collection(_, collection) {
      if (JSON.stringify(collection.toJSON()).length > shortCollection) return undefined;
      collection.flow = true;
      return visit.SKIP;
    },
  });
  visit(yaml, {
    Seq(_, seq) {
      if (seq.items.every(isScalar)) seq.flow = true;
    },
    // A reference on its key's line, `schema: { $ref: … }`: a third of the document's lines were references alone.
    Map(_, map) {
      if (map.items.length === 1 && isScalar(map.items[0]?.key) && map.items[0].key.value === '$ref') map.flow = true;
    },
  });
  const examples = yaml.getIn(['components', 'examples'], true);
  for (const { value: example } of isMap(examples) ? examples.items : []) {
    const value = isMap(example) ? example.get('value', true) : undefined;
    if (isCollection(value)) value.flow = true;
  }
  // Strings on those lines in double quotes, as in JSON: plain scalars holding `?` or `:` inside flow
  // collections are read differently, or refused, by YAML 1.1 parsers such as PyYAML. Keys that are plain
  // names (`$ref`, `created_at`) read the same in every YAML: they stay plain.
  visit(yaml, {
    Collection(_, collection) {
      if (!collection.flow) return undefined;
      visit(collection, {
        Scalar(key, scalar) {
          if (typeof scalar.value === 'string') scalar.type = key === 'key' && isPlainName(scalar.value) ? 'PLAIN' : 'QUOTE_DOUBLE';
        },
      });
      return visit.SKIP;
    },
  });
  return yaml.toString({ lineWidth: 0, indentSeq: false, flowCollectionPadding: false });
}
