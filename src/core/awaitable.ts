/** A synchronous method as the seam shows it: the same arguments, its result as a promise. */
type Awaiting<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;

export type Awaitable<T, K extends keyof T> = { [P in K]: Awaiting<T[P]> };

/** How a call is run: at once, or when something else lets it (group commit's `alone`, between its batches). */
type Runner = <R>(call: () => R) => Promise<R>;

const atOnce: Runner = async (call) => call();

/**
 * The named methods of a synchronous store, each returning a promise: the seam the web layer awaits, so that an
 * engine whose queries are asynchronous can stand behind it. On SQLite the work inside stays synchronous, and a
 * call costs one promise. `run` runs each call (at once by default).
 */
export function awaitable<T extends object, K extends keyof T & string>(target: T, names: readonly K[], run: Runner = atOnce): Awaitable<T, K> {
  const methods: Record<string, unknown> = {};
  for (const name of names) {
    const method = target[name];
    if (typeof method !== 'function') throw new TypeError(`${name} is not a method`);
    methods[name] = (...args: unknown[]) => run(() => method.apply(target, args));
  }
  // The loop above gave each name its promise-returning method, which TypeScript cannot follow through a record.
  return methods as Awaitable<T, K>;
}
