// Dashboard passwords are stored as scrypt hashes. The parameters travel with each hash, so they
// can be raised later without invalidating passwords hashed under the old ones.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHash {
  algorithm: 'scrypt';
  /** CPU/memory cost, block size, parallelism (RFC 7914 N, r, p). */
  N: number;
  r: number;
  p: number;
  keyLength: number;
  salt: string; // base64
  hash: string; // base64
}

// N = 2^15, r = 8 takes ~32 MiB and tens of milliseconds: OWASP's scrypt minimum is N = 2^17 at
// p = 1 for ~128 MiB; we trade memory for p = 2 and stay well within Node's default maxmem.
export interface ScryptParameters { N: number; r: number; p: number; keyLength: number }

export const DEFAULT_PARAMETERS: Readonly<ScryptParameters> = Object.freeze({ N: 2 ** 15, r: 8, p: 2, keyLength: 32 });

function derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, { ...options, maxmem: 256 * options.N! * options.r! }, (error, key) =>
      (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, parameters: ScryptParameters = DEFAULT_PARAMETERS): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const { N, r, p, keyLength } = parameters;
  const hash = await derive(password, salt, keyLength, { N, r, p });
  return { algorithm: 'scrypt', N, r, p, keyLength, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  if (stored.algorithm !== 'scrypt') return false;
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await derive(password, Buffer.from(stored.salt, 'base64'), stored.keyLength, { N: stored.N, r: stored.r, p: stored.p });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random password, so that sign-in with an unknown email costs as much as a wrong password. */
export const decoyHash: Promise<PasswordHash> = hashPassword(randomBytes(16).toString('hex'));
