// Ed25519 keys in the shapes signed notes need: raw 32-byte public keys, the 4-byte key id, and
// the "<name>+<hex key id>+<base64(0x01 || public key)>" verifier key string of
// golang.org/x/mod/sumdb/note and C2SP signed-note.

import { Buffer } from 'node:buffer';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { NoteError } from './errors.js';

/** Signature type byte for Ed25519 in key ids and verifier keys. */
export const ALG_ED25519 = 0x01;
/** Signature type byte of Ed25519 witness cosignatures (C2SP tlog-cosignature, cosignature/v1). */
export const ALG_COSIGNATURE_V1 = 0x04;

export type KeyAlgorithm = typeof ALG_ED25519 | typeof ALG_COSIGNATURE_V1;

// DER prefixes that wrap a raw 32-byte Ed25519 key as SPKI (public) or PKCS #8 (private seed).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface VerifierKey {
  name: string;
  keyId: Uint8Array;
  publicKey: KeyObject;
}

/**
 * A key name is valid when non-empty and free of Unicode whitespace and '+' (signed-note §"Key
 * names"; Go note.isValidName).
 */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\p{Cs}]/u.test(name);
}

/** The raw 32-byte public key of an Ed25519 KeyObject (public or private). Throws NoteError otherwise. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519') throw new NoteError('malformed_key', `expected an Ed25519 key, got ${pub.asymmetricKeyType}`);
  const der = pub.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

/** An Ed25519 public KeyObject from its raw 32 bytes. Requires publicKey.length === 32. */
export function publicKeyFromRaw(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== 32) throw new NoteError('malformed_key', `Ed25519 public key has ${publicKey.length} bytes, want 32`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/** An Ed25519 private KeyObject from its 32-byte seed (RFC 8032 private key). Requires seed.length === 32. */
export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new NoteError('malformed_key', `Ed25519 seed has ${seed.length} bytes, want 32`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** First 4 bytes of SHA-256(name || 0x0A || alg || publicKey). Requires a 32-byte raw public key. */
export function keyId(name: string, publicKey: Uint8Array, alg: KeyAlgorithm = ALG_ED25519): Uint8Array {
  const digest = createHash('sha256').update(name, 'utf8').update(new Uint8Array([0x0a, alg])).update(publicKey).digest();
  return new Uint8Array(digest.subarray(0, 4));
}

/**
 * "<name>+<hex key id>+<base64(alg || publicKey)>". Requires a valid key name and an Ed25519
 * public key (raw 32 bytes or KeyObject). `alg` 0x04 makes a witness's cosigner key.
 */
export function verifierKeyString(name: string, publicKey: Uint8Array | KeyObject, alg: KeyAlgorithm = ALG_ED25519): string {
  if (!isValidKeyName(name)) throw new NoteError('malformed_key', `invalid key name ${JSON.stringify(name)}`);
  const raw = publicKey instanceof Uint8Array ? publicKey : rawPublicKey(publicKey);
  if (raw.length !== 32) throw new NoteError('malformed_key', `Ed25519 public key has ${raw.length} bytes, want 32`);
  const id = Buffer.from(keyId(name, raw, alg)).toString('hex');
  return `${name}+${id}+${Buffer.concat([Buffer.from([alg]), raw]).toString('base64')}`;
}

/**
 * Parses a verifier key string, checking the algorithm byte (0x01 for a log's note key, 0x04 for
 * a witness's cosigner key), key length and key id. Throws NoteError.
 */
export function parseVerifierKey(vkey: string, alg: KeyAlgorithm = ALG_ED25519): VerifierKey {
  const bad = (why: string): NoteError => new NoteError('malformed_key', `malformed verifier key: ${why}`);
  // The base64 key may itself contain '+': only the first two separate fields.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw bad('want <name>+<key id>+<key>');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const keyB64 = vkey.slice(second + 1);
  if (!isValidKeyName(name)) throw bad('invalid name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw bad('key id must be 8 lowercase hex digits');
  const key = decodeBase64Strict(keyB64);
  if (key === undefined || key.length !== 33) throw bad('key must be base64 of 33 bytes');
  if (key[0] !== alg) throw bad(`algorithm ${key[0]}, want ${alg}${alg === ALG_COSIGNATURE_V1 ? ' (a witness cosigner key)' : ''}`);
  const raw = key.subarray(1);
  if (Buffer.from(keyId(name, raw, alg)).toString('hex') !== idHex) throw bad('key id does not match name and key');
  return { name, keyId: Buffer.from(idHex, 'hex'), publicKey: publicKeyFromRaw(raw) };
}

/** Standard base64 (RFC 4648 §4, padded) decoding that refuses anything Buffer would silently skip. */
export function decodeBase64Strict(s: string): Uint8Array | undefined {
  if (s.length === 0 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  // Reject non-canonical encodings (stray bits in the last character).
  return bytes.toString('base64') === s ? new Uint8Array(bytes) : undefined;
}
