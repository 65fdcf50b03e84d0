import { isIPv6 } from 'node:net';

/** The eight 16-bit groups of an IPv6 address, whatever its spelling (`::`, upper case, an embedded IPv4 tail, a zone). */
function ipv6Groups(address: string): number[] {
  // The URL parser canonicalises the address: lower-case hex groups, an IPv4 tail turned into two groups.
  const canonical = new URL(`http://[${address.split('%')[0]}]`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The key a client is counted under: an IPv4 address as it is (an IPv4-mapped IPv6 address too), an IPv6
 * address by its /64, the prefix one subscriber is usually given, so that rotating the other 64 bits does
 * not make a new client.
 */
export function clientKey(address: string): string {
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped)
    return groups
      .slice(6)
      .flatMap((group) => [group >> 8, group & 0xff])
      .join('.');
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
