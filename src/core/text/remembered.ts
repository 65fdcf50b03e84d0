/**
 * A function of a word, remembered for the words seen so far: a news archive's vocabulary is small next to
 * its text, so most words of a new text were seen before. Bounded: emptied when `capacity` words are held.
 */
export function rememberedPerWord<T>(compute: (word: string) => T, capacity = 20_000): (word: string) => T {
  const seen = new Map<string, T>();
  return (word) => {
    let value = seen.get(word);
    if (value === undefined) {
      if (seen.size >= capacity) seen.clear();
      value = compute(word);
      seen.set(word, value);
    }
    return value;
  };
}
