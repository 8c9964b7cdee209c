// The two ways a proof check fails: it was malformed (wrong length, bad sizes), or it was well
// formed but leads to a different root, which is the interesting case (tampering or a fork).

import { Buffer } from 'node:buffer';

/** A proof or tree argument that cannot be valid whatever the hashes are. */
export class ProofError extends Error {
  override readonly name = 'ProofError';
}

/** A well-formed proof whose recomputed root differs from the one it was checked against. */
export class RootMismatchError extends Error {
  override readonly name = 'RootMismatchError';
  readonly expectedRoot: Uint8Array;
  readonly calculatedRoot: Uint8Array;

  constructor(expectedRoot: Uint8Array, calculatedRoot: Uint8Array) {
    super(`calculated root ${hex(calculatedRoot)} does not match expected root ${hex(expectedRoot)}`);
    this.expectedRoot = expectedRoot;
    this.calculatedRoot = calculatedRoot;
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
