import t from 'tap';
import { isPublicAddress } from '../../src/core/webhooks/addresses.js';

// The ranges of RFC 6890 (special-purpose registries) a webhook must not reach, and public addresses around them.
const refused = [
  '0.0.0.0',
  '10.0.0.1',
  '10.255.255.255',
  '100.64.0.1',
  '127.0.0.1',
  '127.255.255.254',
  '169.254.169.254',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '224.0.0.1',
  '255.255.255.255',
  '::',
  '::1',
  'fe80::1',
  'fc00::1',
  'fd12:3456::1',
  '::ffff:127.0.0.1',
  '::ffff:8.8.8.8',
  // Other IPv6 forms that carry an IPv4 address: IPv4-compatible, NAT64 (RFC 6052, RFC 8215) and 6to4 (RFC 3056); and the old site-local range.
  '::127.0.0.1',
  '::a00:5',
  '64:ff9b::a00:5',
  '64:ff9b::a9fe:a9fe',
  '64:ff9b:1::a00:5',
  '2002:a00:5::1',
  '::ffff:0:7f00:1',
  // Teredo (RFC 4380): the client's IPv4 address, obfuscated, in the last 32 bits.
  '2001:0:4136:e378:8000:63bf:f5ff:fffe',
  'fec0::1',
  'ff02::1',
  'not an address',
];
const allowed = [
  '1.1.1.1',
  '8.8.8.8',
  '93.184.215.14',
  '9.255.255.255',
  '11.0.0.1',
  '100.63.255.255',
  '100.128.0.1',
  '172.15.255.255',
  '172.32.0.1',
  '192.167.255.255',
  '223.255.255.255',
  '2606:4700::1111',
  '2001:4860:4860::8888',
];

t.test('loopback, private, link-local and reserved addresses are refused; public ones are not', async (t) => {
  for (const address of refused) t.equal(isPublicAddress(address), false, `${address} refused`);
  for (const address of allowed) t.equal(isPublicAddress(address), true, `${address} allowed`);
});
