// SHA-256 over a whole page of verification inputs at once: the leaf hashes of a page of canonical
// texts, the chain hash each event should have, and one level of Merkle nodes. The JavaScript
// implementation below makes one Node hash call per hash; a program may install a faster one with
// the same bytes (the server installs its native build, native/stele_hashes.c, when it is there:
// src/native/native-addons.ts), so the package itself stays free of native code.

import { Buffer } from 'node:buffer';
import { HASH_SIZE } from './merkle/hasher.js';
import { sha256Text } from './sha256.js';

export interface PageHashes {
  /**
   * The SHA-256 of each record of leafInputs, 32 bytes per record. Records each start with a 0x00
   * byte (the leaf prefix) and hold no other, back to back; leafInputs must start with 0x00.
   */
  leafHashes(leafInputs: Uint8Array): Uint8Array;
  /**
   * For each event i of a page, SHA-256(prev_i || leaves_i): prev_0 is prevChain, prev_i the stored
   * chain hash of event i - 1. storedChains and leaves hold the same number of hashes.
   */
  chainHashes(prevChain: Uint8Array, storedChains: Uint8Array, leaves: Uint8Array): Uint8Array;
  /**
   * The chain hashes of events appended after prevChain, each from the one before: chain_0 =
   * SHA-256(prevChain || leaves_0), chain_i = SHA-256(chain_i-1 || leaves_i). What sealing computes.
   */
  chainFrom(prevChain: Uint8Array, leaves: Uint8Array): Uint8Array;
  /** For each pair (left, right) of hashes in level, the RFC 6962 node hash SHA-256(0x01 || left || right). */
  nodeHashes(level: Uint8Array): Uint8Array;
}

// Digests come back as latin1 strings (sha256Text) written straight into the output: no Buffer
// per hash, which is what a Node hash call mostly costs for inputs this small.
export const portablePageHashes: PageHashes = {
  leafHashes(leafInputs) {
    const bytes = Buffer.from(leafInputs.buffer, leafInputs.byteOffset, leafInputs.byteLength);
    if (bytes.length > 0 && bytes[0] !== 0) throw new RangeError('leafInputs must start with a 0x00 byte');
    const digests: string[] = [];
    for (let start = 0; start < bytes.length;) {
      let end = bytes.indexOf(0, start + 1);
      if (end === -1) end = bytes.length;
      digests.push(sha256Text(bytes.subarray(start, end)));
      start = end;
    }
    return Buffer.from(digests.join(''), 'latin1');
  },
  chainHashes(prevChain, storedChains, leaves) {
    if (prevChain.length !== HASH_SIZE || storedChains.length !== leaves.length || leaves.length % HASH_SIZE !== 0) {
      throw new RangeError('prevChain must hold one hash, storedChains and leaves the same whole number of hashes');
    }
    return chainBuffer(prevChain, storedChains, leaves);
  },
  chainFrom(prevChain, leaves) {
    if (prevChain.length !== HASH_SIZE || leaves.length % HASH_SIZE !== 0) throw new RangeError('prevChain must hold one hash, leaves a whole number of hashes');
    return chainBuffer(prevChain, undefined, leaves);
  },
  nodeHashes(level) {
    if (level.length % (2 * HASH_SIZE) !== 0) throw new RangeError('level must hold a whole number of hash pairs');
    const out = Buffer.allocUnsafe(level.length / 2);
    const input = Buffer.allocUnsafe(1 + 2 * HASH_SIZE);
    input[0] = 0x01;
    for (let at = 0; at < out.length; at += HASH_SIZE) {
      input.set(level.subarray(2 * at, 2 * at + 2 * HASH_SIZE), 1);
      out.write(sha256Text(input), at, 'latin1');
    }
    return out;
  },
};

/**
 * Chain hashes, one per leaf: SHA-256(prev_i || leaves_i), where prev_0 is prevChain and prev_i is
 * chain hash i - 1 of `previous`, or of the result itself when there is none (stele_hashes.c's
 * chain_buffer).
 */
function chainBuffer(prevChain: Uint8Array, previous: Uint8Array | undefined, leaves: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(leaves.length);
  const before = previous ?? out;
  const input = Buffer.allocUnsafe(2 * HASH_SIZE);
  for (let at = 0; at < leaves.length; at += HASH_SIZE) {
    input.set(at === 0 ? prevChain : before.subarray(at - HASH_SIZE, at), 0);
    input.set(leaves.subarray(at, at + HASH_SIZE), HASH_SIZE);
    out.write(sha256Text(input), at, 'latin1');
  }
  return out;
}

/**
 * The page hashing sealing and verification use: the portable one unless a program installed
 * another with usePageHashes (a live binding: importers see the change).
 */
export let pageHashes: PageHashes = portablePageHashes;

/**
 * Makes `hashes` the page hashing of this process. It must give the bytes portablePageHashes
 * gives for every input (src/native/page-hashes.test.ts checks the native build does).
 */
export function usePageHashes(hashes: PageHashes): void {
  pageHashes = hashes;
}
