/**
 * Entity linking: finds the names of known entities in a text, tolerant to Arabic spelling variation
 * (through the shared normalisation in ./arabic.ts) and to the prefixes Arabic attaches to a word.
 *
 * A name is a sequence of words (./words.ts). Its first word may carry any prefix Arabic attaches in the
 * text: a conjunction (و ف), then a preposition (ب ك ل), then the article ال (fused with ل as لل); each
 * reading is confirmed against the names, so all are tried. The article is optional on both sides, so
 * «العدواني», «والعدواني», «للعدواني» and «عدواني» all name العدواني. The other words must match
 * whole words exactly (after normalisation), separated only by spaces or quotation marks. Matching is on
 * whole words, so a name is never found inside a longer word.
 *
 * Names are indexed by the core of their first word: a text costs one map look-up per word and reading of
 * its prefixes, whatever the number of names. The index can follow changes to one entity's names (`put`,
 * `remove`) without being built again.
 */
import { normaliseArabic, normaliseWithOffsets, originalSpan } from './arabic.js';
import { rememberedPerWord } from './remembered.js';
import { attachedPrefixes, readingsOf, shortestCore, type Word, withoutArticle, words, wordTexts } from './words.js';

export interface NameSource<T> {
  /** Identifies the entity: two entities sharing a name make that name ambiguous, and it is not linked. */
  key: string;
  target: T;
  /** Every form the entity may be named by (name, aliases, rank plus name…). */
  names: string[];
}

interface Link<T> {
  /** Offsets into the original text, in UTF-16 code units: `text.slice(start, end)` is the mention. */
  start: number;
  end: number;
  text: string;
  target: T;
}

export interface NameIndex<T> {
  find(text: string): Link<T>[];
  /** Indexes an entity's names, after forgetting the names it had (`previousNames`), if any. */
  put(source: NameSource<T>, previousNames?: string[]): void;
  /** Forgets the names an entity had. */
  remove(key: string, names: string[]): void;
}

/** An entity, one object shared by all its forms. */
interface Entity<T> {
  key: string;
  target: T;
}

/**
 * Who a form names: one entity, or several by key (then it is ambiguous and never linked). A map, so that adding or
 * removing one of many holders costs the same however many share the form: an array made building an index of
 * 80,000 people sharing one name take 86 s.
 */
type Holders<T> = Entity<T> | Map<string, Entity<T>>;

/** The forms whose first word has one core, by the words after the first joined with spaces. */
interface CoreForms<T> {
  byRest: Map<string, Holders<T>>;
  /** The most words any of these forms has after its first. */
  longestRest: number;
}

const joiner = /[\s«»"'“”„‹›]+/uy;

/** Readings do not depend on the names indexed, so they are kept across texts. */
const readings = rememberedPerWord(readingsOf);

type FormsByCore<T> = Map<string, CoreForms<T>>;

/** Where a form is indexed: the core of its first word and its other words; null for a form too short to link. */
function placeOf(name: string): { core: string; rest: string; restWords: number } | null {
  const tokens = wordTexts(normaliseArabic(name));
  const first = tokens[0];
  if (first === undefined || (tokens.length === 1 && first.length < shortestCore)) return null;
  return { core: withoutArticle(first), rest: tokens.slice(1).join(' '), restWords: tokens.length - 1 };
}

/**
 * Every way a text may write a name that `find` links to it: its first word's core with any prefixes and
 * with or without the article, its other words as they are. Each is a sequence of normalised words
 * joined by spaces; empty for a name too short to link.
 */
export function spellingsOf(name: string): string[] {
  const place = placeOf(name);
  if (!place) return [];
  const firstWords = new Set([place.core]);
  for (const prefix of attachedPrefixes) {
    if (readingsOf(prefix.text + place.core).some((reading) => reading.core === place.core)) firstWords.add(prefix.text + place.core);
  }
  return [...firstWords].map((first) => (place.rest ? `${first} ${place.rest}` : first));
}

const holds = <T>(holders: Holders<T>, key: string) => (holders instanceof Map ? holders.has(key) : holders.key === key);

function addForm<T>(index: FormsByCore<T>, name: string, entity: Entity<T>): number {
  const place = placeOf(name);
  if (!place) return 0;
  let forms = index.get(place.core);
  if (!forms) {
    forms = { byRest: new Map(), longestRest: 0 };
    index.set(place.core, forms);
  }
  const holders = forms.byRest.get(place.rest);
  if (!holders) forms.byRest.set(place.rest, entity);
  else if (holders instanceof Map) holders.set(entity.key, entity);
  else if (holders.key !== entity.key)
    forms.byRest.set(
      place.rest,
      new Map([
        [holders.key, holders],
        [entity.key, entity],
      ]),
    );
  forms.longestRest = Math.max(forms.longestRest, place.restWords);
  return place.restWords;
}

/** Takes an entity off a form. A core's longest rest is left as it was: it only bounds how far a match looks. */
function removeForm<T>(index: FormsByCore<T>, name: string, key: string) {
  const place = placeOf(name);
  if (!place) return;
  const forms = index.get(place.core);
  const holders = forms?.byRest.get(place.rest);
  if (!forms || !holders || !holds(holders, key)) return;
  if (holders instanceof Map) {
    holders.delete(key);
    // One holder left: the form names it again.
    if (holders.size === 1) for (const last of holders.values()) forms.byRest.set(place.rest, last);
  } else forms.byRest.delete(place.rest);
  if (forms.byRest.size === 0) index.delete(place.core);
}

/** Whether only spaces or quotation marks stand between two words. */
function joined(text: string, from: Word, to: Word): boolean {
  joiner.lastIndex = from.end;
  return joiner.test(text) && joiner.lastIndex === to.start;
}

/** How many words after `at`, up to `most`, follow it joined only by spaces or quotation marks. */
function joinedRun(text: string, tokens: Word[], at: number, most: number): number {
  let run = 0;
  while (run < most && at + run + 1 < tokens.length && joined(text, tokens[at + run]!, tokens[at + run + 1]!)) run++;
  return run;
}

const restOf = (tokens: Word[], at: number, count: number): string =>
  tokens
    .slice(at + 1, at + 1 + count)
    .map((token) => token.text)
    .join(' ');

interface Match<T> {
  holders: Holders<T>;
  /** How many leading characters of the first word the mention leaves out: its detached prefix. */
  skip: number;
  /** The words of the match after its first. */
  rest: number;
}

/** The longest form that starts at word `at`, over every reading of its prefixes. */
function longestAt<T>(index: FormsByCore<T>, longestRest: number, normalised: string, tokens: Word[], at: number): Match<T> | null {
  let best: Match<T> | null = null;
  let run: number | null = null;
  for (const reading of readings(tokens[at]!.text)) {
    const forms = index.get(reading.core);
    if (!forms) continue;
    run ??= joinedRun(normalised, tokens, at, longestRest);
    for (let rest = Math.min(forms.longestRest, run); rest > (best?.rest ?? -1); rest--) {
      const holders = forms.byRest.get(restOf(tokens, at, rest));
      if (holders) {
        best = { holders, skip: reading.prefix?.detached ?? 0, rest };
        break;
      }
    }
  }
  return best;
}

/** Indexes the names of the given entities for linking. */
export function nameIndex<T>(sources: Iterable<NameSource<T>>): NameIndex<T> {
  const index: FormsByCore<T> = new Map();
  let longestRest = 0;
  const add = (source: NameSource<T>) => {
    const entity: Entity<T> = { key: source.key, target: source.target };
    for (const name of source.names) longestRest = Math.max(longestRest, addForm(index, name, entity));
  };
  const remove = (key: string, names: string[]) => {
    for (const name of names) removeForm(index, name, key);
  };
  for (const source of sources) add(source);

  return {
    put(source, previousNames = []) {
      remove(source.key, previousNames);
      add(source);
    },
    remove,
    find(text) {
      const normalised = normaliseWithOffsets(text);
      const tokens = words(normalised.text);
      const links: Link<T>[] = [];
      for (let at = 0; at < tokens.length; at++) {
        const match = longestAt(index, longestRest, normalised.text, tokens, at);
        if (!match) continue;
        const last = at + match.rest;
        const [start, end] = originalSpan(normalised, tokens[at]!.start + match.skip, tokens[last]!.end, text);
        if (!(match.holders instanceof Map)) links.push({ start, end, text: text.slice(start, end), target: match.holders.target });
        at = last;
      }
      return links;
    },
  };
}
