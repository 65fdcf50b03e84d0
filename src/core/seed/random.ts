/** A small seeded PRNG (mulberry32) and the draws the synthetic data set needs: same seed, same data. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `count` distinct items (fewer when there are not enough), in draw order. */
  sample<T>(items: readonly T[], count: number): T[];
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick,
    sample(items, count) {
      const chosen = new Set<(typeof items)[number]>();
      const wanted = Math.min(count, items.length);
      while (chosen.size < wanted) chosen.add(pick(items));
      return [...chosen];
    },
  };
}

const hex = (value: number, digits: number) => Math.floor(value).toString(16).padStart(digits, '0');

/** A UUIDv7 for a given millisecond, its random bits drawn from `random`: ids stay time-ordered and reproducible. */
export function seededUuidv7(random: Random, millis: number): string {
  const time = hex(millis, 12);
  const r = () => hex(random.next() * 0x10000, 4);
  const variant = hex(0x8000 | (random.next() * 0x4000), 4);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${r().slice(1)}-${variant}-${r()}${r()}${r()}`;
}
