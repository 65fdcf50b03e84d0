/**
 * Bytes to keep: a Buffer of exactly their length with memory of its own. A kept view of something larger holds
 * all of it: Node's 8 KB pool behind a small `Buffer.from`, zlib's 16 KB output chunk behind a short compressed form.
 */
export function ownBytes(bytes: string | Buffer): Buffer {
  if (Buffer.isBuffer(bytes) && bytes.byteOffset === 0 && bytes.length === bytes.buffer.byteLength) return bytes;
  const own = Buffer.allocUnsafeSlow(Buffer.byteLength(bytes));
  if (typeof bytes === 'string') own.write(bytes);
  else bytes.copy(own);
  return own;
}
