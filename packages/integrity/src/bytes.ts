// Byte helpers shared by the verifier's two paths.

import { Buffer } from 'node:buffer';

/** True when the two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
