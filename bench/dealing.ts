import type { Slice } from './load.js';

/** One node's part of a slice: its URL, its connections, and its share of the amount and of the offered rate. */
export interface NodeShare {
  url: string;
  connections: number;
  amount?: number;
  overallRate?: number;
}

/** The share of `total` the `node`-th of `nodes` takes when it is dealt out in turn. */
const dealt = (total: number, node: number, nodes: number) => Math.floor(total / nodes) + (node < total % nodes ? 1 : 0);

/**
 * Deals a slice's connections, amount and offered rate to its nodes in turn. autocannon reads an amount or a rate of
 * 0 as no bound, so a node dealt none would run flat out: the slice goes to no more nodes than each total can be
 * shared among (the first ones), and a total below 1 is refused.
 */
export function dealSlice({ urls, connections, amount, overallRate }: Pick<Slice, 'urls' | 'connections' | 'amount' | 'overallRate'>): NodeShare[] {
  const totals = { connections, amount, overallRate };
  for (const [name, total] of Object.entries(totals)) {
    if (total !== undefined && !(Number.isInteger(total) && total >= 1)) throw new RangeError(`a slice's ${name} must be a whole number of at least 1, not ${total}`);
  }
  if (urls.length === 0) throw new RangeError('a slice needs at least one URL');
  const nodes = Math.min(urls.length, connections, amount ?? urls.length, overallRate ?? urls.length);
  return urls.slice(0, nodes).map((url, node) => ({
    url,
    connections: dealt(connections, node, nodes),
    ...(amount === undefined ? {} : { amount: dealt(amount, node, nodes) }),
    ...(overallRate === undefined ? {} : { overallRate: dealt(overallRate, node, nodes) }),
  }));
}
