import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import t from 'tap';
import { parse } from 'yaml';
import { everything } from '../../src/core/list/visibility.js';
import { resourceNames } from '../../src/core/resources/registry.js';
import { slug } from '../../src/core/resources/shared/fields.js';
import { build } from '../helper.js';

const contract = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
const slugSchema = contract.components.schemas.Slug;
/** The contract's pattern as a JSON Schema validator compiles it (ECMAScript, `u` flag). */
const contractPattern = new RegExp(slugSchema.pattern, 'u');
/** The slug rule as the server writes it, with Unicode property classes: the contract must mean exactly this. */
const original = /^[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*$/u;
const serverAccepts = (value: string) => slug.safeParse(value).success;
/** What the contract allows: the pattern within the length bounds (the server also refuses id-shaped slugs). */
const contractAccepts = (value: string) => contractPattern.test(value) && value.length >= slugSchema.minLength && value.length <= slugSchema.maxLength;
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Words mostly of letters and digits of several scripts (astral ones too), now and then any code point,
// joined by zero to two hyphens: near misses, not just noise.
const character = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'Z', '7', 'ع', 'ل', '٣', 'é', '中', '𝐀', '𐌰') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const candidate = fc
  .array(fc.tuple(fc.string({ unit: character, maxLength: 4 }), fc.constantFrom('', '-', '--')), { maxLength: 6 })
  .map((parts) => parts.map(([word, joint]) => word + joint).join(''));

t.test('the contract spells the slug pattern without Unicode property classes', async (t) => {
  t.notMatch(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'), /\\[pP]\{/);
  t.notMatch(slugSchema.pattern, /[\p{Default_Ignorable_Code_Point}\p{White_Space}]/u, 'letters written as themselves, none of them invisible (the Hangul fillers fall inside ranges)');
});

/** A value as printable ASCII: a TAP reader takes U+2028 and U+2029 in an assertion's message for line ends. */
const printable = (value: string) => JSON.stringify(value).replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`);

t.test('the server and the contract agree with the Unicode slug rule on random strings', async (t) => {
  // One assertion for the whole run, naming fast-check's smallest counterexample and its seed to replay it.
  const result = fc.check(
    fc.property(candidate, (value) => {
      const rule = original.test(value);
      return serverAccepts(value) === (rule && value.length <= 200 && !uuidShape.test(value)) && contractPattern.test(value) === rule;
    }),
    { numRuns: 3000 },
  );
  const [value] = result.counterexample ?? [''];
  t.notOk(
    result.failed,
    result.failed
      ? `server ${serverAccepts(value)}, contract ${contractPattern.test(value)}, rule ${original.test(value)} for ${printable(value)} (seed ${result.seed}, path ${result.counterexamplePath})`
      : `${result.numRuns} strings`,
  );
});

t.test('every code point: a slug holding it is accepted by the contract exactly when the Unicode rule accepts it', async (t) => {
  const disagreements: number[] = [];
  for (let codePoint = 0; codePoint < 0x110000; codePoint++) {
    const value = `${String.fromCodePoint(codePoint)}-a`;
    if (contractPattern.test(value) !== original.test(value)) disagreements.push(codePoint);
  }
  t.same(disagreements, []);
});

t.test("the seed's slugs pass the server and the contract", async (t) => {
  const app = await build(t);
  const slugs = (await Promise.all(resourceNames.map(async (name) => (await app.services.resources[name].list({ limit: 100 }, everything)).shown.data))).flat().map((row) => String(row.slug));
  t.ok(slugs.length > 5, `${slugs.length} slugs`);
  for (const value of slugs) t.ok(serverAccepts(value) && contractAccepts(value), value);
});
