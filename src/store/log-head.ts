// The tenant head row stores the Merkle border as one blob of concatenated 32-byte hashes.

import type { LogHead } from './port.js';

export const EMPTY_HEAD: LogHead = Object.freeze({ size: 0, chainHash: new Uint8Array(32), border: [] });

export const encodeBorder = (border: readonly Uint8Array[]): Buffer => Buffer.concat(border);

export function decodeBorder(blob: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < blob.length; offset += 32) out.push(blob.subarray(offset, offset + 32));
  return out;
}
