// Bit arithmetic on tree sizes and indices. JavaScript's bitwise operators truncate to 32 bits,
// but a log can outgrow 2^32 leaves, so everything here works on non-negative safe integers
// (< 2^53) by splitting them into a high and a low 32-bit half.

const TWO_32 = 2 ** 32;

/** Requires n to be a safe non-negative integer. Returns floor(n / 2^k). */
export function shr(n: number, k: number): number {
  return k === 0 ? n : Math.floor(n / 2 ** k);
}

/** Requires n to be a safe non-negative integer. Returns n * 2^k (exact while below 2^53). */
export function shl(n: number, k: number): number {
  return n * 2 ** k;
}

/** Requires n to be a safe non-negative integer. Number of bits needed to write n (0 for 0). */
export function bitLength(n: number): number {
  const hi = Math.floor(n / TWO_32);
  return hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(n >>> 0);
}

/** Requires n to be a safe positive integer. Number of trailing zero bits of n. */
export function trailingZeros(n: number): number {
  const lo = n >>> 0;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = Math.floor(n / TWO_32);
  return 32 + 31 - Math.clz32(hi & -hi);
}

/** Requires n to be a safe non-negative integer. Number of set bits of n. */
export function onesCount(n: number): number {
  return popcount32(n >>> 0) + popcount32(Math.floor(n / TWO_32) >>> 0);
}

/** Requires a and b to be safe non-negative integers. Returns a XOR b. */
export function xor(a: number, b: number): number {
  const hi = (Math.floor(a / TWO_32) ^ Math.floor(b / TWO_32)) >>> 0;
  const lo = ((a >>> 0) ^ (b >>> 0)) >>> 0;
  return hi * TWO_32 + lo;
}

/** Requires n to be a safe non-negative integer and k >= 0. Returns bit k of n (0 or 1). */
export function bit(n: number, k: number): number {
  return shr(n, k) % 2;
}

/** True when n is a non-negative integer that the arithmetic above handles exactly. */
export function isSafeSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
