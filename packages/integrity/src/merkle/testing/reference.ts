// A slow, literal transcription of RFC 6962 §2.1 (MTH, PATH, PROOF/SUBPROOF), kept only to
// cross-check the fast code in tests. Recursion over leaf arrays; never use it on a real log.

import { emptyRoot, hashChildren, hashLeaf } from '../hasher.js';

/** Largest power of two strictly smaller than n. Requires n > 1. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]). */
export function mth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return emptyRoot();
  if (d.length === 1) return hashLeaf(d[0] as Uint8Array);
  const k = split(d.length);
  return hashChildren(mth(d.slice(0, k)), mth(d.slice(k)));
}

/** PATH(m, D[n]). Requires 0 <= m < n. */
export function path(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const k = split(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

/** PROOF(m, D[n]). Requires 0 < m <= n. */
export function proof(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  return subproof(m, d, true);
}

function subproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}
