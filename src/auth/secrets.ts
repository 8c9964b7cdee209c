import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys and the admin token are 256-bit random secrets, so a plain SHA-256 is a safe stored form.
 * Every request's credential is hashed: the one-shot `hash` costs a third of a Hash object's.
 */
export const sha256Hex = (secret: string): string => hash('sha256', secret, 'hex');

export const newSecret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

export function sameHash(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
