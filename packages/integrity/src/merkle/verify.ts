// Checking proofs against roots (RFC 9162 §2.1.3.2 and §2.1.4.2), with transparency-dev's
// policy: consistency from size1 == 0 is an error, size1 == size2 needs an empty proof and equal
// roots, and every hash (leaf, proof entry) must be exactly 32 bytes.

import { timingSafeEqual } from 'node:crypto';
import { bit, bitLength, isSafeSize, onesCount, shr, trailingZeros, xor } from './bits.js';
import { ProofError, RootMismatchError } from './errors.js';
import { HASH_SIZE, hashChildren } from './hasher.js';

/**
 * Checks that leafHash is at `index` in the tree of `size` leaves whose root is `root`.
 * Requires 0 <= index < size and 32-byte hashes (else ProofError); throws RootMismatchError when
 * the proof leads to another root.
 */
export function verifyInclusion(
  leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array,
): void {
  verifyMatch(rootFromInclusionProof(leafHash, index, size, proof), root);
}

/**
 * The root implied by an inclusion proof for leafHash at `index` in a tree of `size` leaves.
 * Requires 0 <= index < size, a 32-byte leafHash, and a proof of the right length with 32-byte
 * entries; throws ProofError otherwise.
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[],
): Uint8Array {
  if (!isSafeSize(index) || !isSafeSize(size) || index >= size) {
    throw new ProofError(`index is beyond size: ${index} >= ${size}`);
  }
  checkHash(leafHash, 'leaf hash');
  const { inner, border } = decompInclProof(index, size);
  if (proof.length !== inner + border) {
    throw new ProofError(`wrong proof size ${proof.length}, want ${inner + border}`);
  }
  proof.forEach((h, i) => checkHash(h, `proof entry ${i}`));
  const res = chainInner(leafHash, proof.slice(0, inner), index);
  return chainBorderRight(res, proof.slice(inner));
}

/**
 * Checks that the tree of size2 leaves with root2 extends the tree of size1 leaves with root1.
 * Requires 0 < size1 <= size2; when size1 === size2 the proof must be empty and the roots equal.
 * Throws ProofError for malformed input and RootMismatchError when a root does not match.
 */
export function verifyConsistency(
  size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array,
): void {
  if (!isSafeSize(size1) || !isSafeSize(size2)) throw new ProofError(`invalid tree sizes ${size1}, ${size2}`);
  if (size2 < size1) throw new ProofError(`size2 (${size2}) < size1 (${size1})`);
  if (size1 === 0) throw new ProofError('consistency check on an empty tree (size1 is zero) proves nothing');
  proof.forEach((h, i) => checkHash(h, `proof entry ${i}`));
  if (size1 === size2) {
    if (proof.length > 0) throw new ProofError('size1 = size2, but proof is not empty');
    verifyMatch(root2, root1);
    return;
  }
  if (proof.length === 0) throw new ProofError('empty proof');

  const decomp = decompInclProof(size1 - 1, size2);
  const shift = trailingZeros(size1);
  const inner = decomp.inner - shift; // shift < inner because size1 < size2

  // The proof starts with the hash of the biggest complete subtree ending at size1, unless that
  // subtree is the whole old tree (size1 a power of two), whose hash is root1.
  const powerOfTwo = size1 === 2 ** shift;
  const seed = powerOfTwo ? root1 : (proof[0] as Uint8Array);
  const start = powerOfTwo ? 0 : 1;
  if (proof.length !== start + inner + decomp.border) {
    throw new ProofError(`wrong proof size ${proof.length}, want ${start + inner + decomp.border}`);
  }
  const rest = proof.slice(start);
  const innerPart = rest.slice(0, inner);
  const borderPart = rest.slice(inner);
  const mask = shr(size1 - 1, shift);

  const hash1 = chainBorderRight(chainInnerRight(seed, innerPart, mask), borderPart);
  verifyMatch(hash1, root1);
  const hash2 = chainBorderRight(chainInner(seed, innerPart, mask), borderPart);
  verifyMatch(hash2, root2);
}

// Splits an inclusion proof into the part below the fork with the right border (inner) and the
// border part (one entry per set bit of index above it).
function decompInclProof(index: number, size: number): { inner: number; border: number } {
  const inner = bitLength(xor(index, size - 1));
  return { inner, border: onesCount(shr(index, inner)) };
}

function chainInner(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  proof.forEach((h, i) => {
    seed = bit(index, i) === 0 ? hashChildren(seed, h) : hashChildren(h, seed);
  });
  return seed;
}

function chainInnerRight(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  proof.forEach((h, i) => {
    if (bit(index, i) === 1) seed = hashChildren(h, seed);
  });
  return seed;
}

function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  for (const h of proof) seed = hashChildren(h, seed);
  return seed;
}

function checkHash(h: Uint8Array, what: string): void {
  if (h.length !== HASH_SIZE) throw new ProofError(`${what} has ${h.length} bytes, want ${HASH_SIZE}`);
}

function verifyMatch(calculated: Uint8Array, expected: Uint8Array): void {
  if (calculated.length !== expected.length || !timingSafeEqual(calculated, expected)) {
    throw new RootMismatchError(expected, calculated);
  }
}
