import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may not send unless WEBHOOK_ALLOW_PRIVATE: this host, private networks, link-local (cloud
 * metadata at 169.254.169.254), shared and reserved ranges. IPv4-mapped IPv6 is refused whole: an address
 * of it reaches its IPv4 twin.
 */
// One list per family: a BlockList matches an IPv4 address against IPv4-mapped IPv6 rules too, which would refuse them all.
const refused = { 4: new BlockList(), 6: new BlockList() };
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  refused[4].addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // IPv4-compatible (::a.b.c.d, with :: and ::1), IPv4-mapped, IPv4-translated (SIIT), NAT64 (well-known and local-use), Teredo and 6to4 forms all reach an IPv4 address.
  ['::', 96],
  ['::ffff:0:0', 96],
  ['::ffff:0:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['2001::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fec0::', 10],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  refused[6].addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is one a webhook may reach without WEBHOOK_ALLOW_PRIVATE. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !refused[4].check(address, 'ipv4');
  return family === 6 && !refused[6].check(address, 'ipv6');
}

/** A URL's host as an address or name: `[::1]` is `::1`. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

export class AddressRefused extends Error {
  override name = 'AddressRefused';
}

const refusal = (host: string, address: string) => new AddressRefused(`${host} is ${address}, a loopback, private or link-local address`);

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http that resolves the name and refuses it when any of its addresses is not public;
 * the socket then connects to the address checked here, so a second answer from DNS (rebinding) is never used.
 */
export function checkedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const bad = allowPrivate ? undefined : addresses.find(({ address }) => !isPublicAddress(address));
      if (bad) return callback(refusal(hostname, bad.address), []);
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(new AddressRefused(`${hostname} has no address`), []);
      callback(null, first.address, first.family);
    });
  };
}

/** Why a webhook may not send to this URL's host (null: it may): its literal address, or each address its name resolves to now. */
export async function destinationProblem(url: URL, allowPrivate: boolean): Promise<string | null> {
  if (allowPrivate) return null;
  const host = hostOf(url);
  if (isIP(host)) return isPublicAddress(host) ? null : refusal(host, host).message;
  return new Promise((resolve) => {
    checkedLookup(false)(host, { all: true }, (error) => resolve(error ? (error instanceof AddressRefused ? error.message : `${host} does not resolve (${error.code ?? error.message})`) : null));
  });
}

/** The check at send time for a literal address, which node:http connects to without a lookup. */
export function literalAddressProblem(url: URL, allowPrivate: boolean): AddressRefused | null {
  const host = hostOf(url);
  return !allowPrivate && isIP(host) && !isPublicAddress(host) ? refusal(host, host) : null;
}
