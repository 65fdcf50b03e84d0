import { brotliCompressSync, gzipSync } from 'node:zlib';
import t from 'tap';
import { ownBytes } from '../../src/web/http/own-bytes.js';

const exact = (bytes: Buffer) => bytes.byteOffset === 0 && bytes.length === bytes.buffer.byteLength;

t.test('bytes to keep have memory of their own, of their length', async (t) => {
  const text = 'نص قصير';
  const pooled = Buffer.from(text);
  t.notOk(exact(pooled), 'a short Buffer.from is a view of the pool');
  const compressed = [brotliCompressSync(Buffer.from('{"data":[]}'.repeat(300))), gzipSync(Buffer.from('{"data":[]}'.repeat(300)))];
  t.notOk(compressed.some(exact), "a short compressed form is a view of zlib's output chunk");
  for (const [name, bytes] of [
    ['a string', text],
    ['a pooled Buffer', pooled],
    ['a brotli form', compressed[0]!],
    ['a gzip form', compressed[1]!],
  ] as const) {
    const own = ownBytes(bytes);
    t.ok(exact(own), `${name}: a Buffer of its own`);
    t.ok(own.equals(Buffer.from(bytes)), `${name}: the same bytes`);
  }
  const whole = Buffer.allocUnsafeSlow(16);
  t.equal(ownBytes(whole), whole, 'a Buffer that is already its own is kept as it is');
});
