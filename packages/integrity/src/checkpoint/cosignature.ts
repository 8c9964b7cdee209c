// Witness cosignatures (C2SP tlog-cosignature, Ed25519 "cosignature/v1"). A cosignature is a note
// signature line by a witness over the checkpoint body, with a timestamp:
//
//   — <witness name> base64(key id[4] || timestamp u64 big-endian || Ed25519 signature[64])
//
// where the key id is SHA-256(name || "\n" || 0x04 || public key)[:4] and the signed message is
// "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint body. It states that, at that
// time, this was the largest consistent tree the witness had seen for the checkpoint's origin.

import { Buffer } from 'node:buffer';
import { sign, verify, type KeyObject } from 'node:crypto';
import { NoteError } from './errors.js';
import { ALG_COSIGNATURE_V1, isValidKeyName, keyId, parseVerifierKey, rawPublicKey, type VerifierKey } from './keys.js';
import { parseNote, SIGNATURE_PREFIX } from './note.js';

const TIMESTAMP_BYTES = 8;
const SIGNATURE_BYTES = 64;

/** A witness's public identity: its key name and Ed25519 key, as a vkey with algorithm 0x04. */
export type CosignerKey = VerifierKey;

export const parseCosignerKey = (vkey: string): CosignerKey => parseVerifierKey(vkey, ALG_COSIGNATURE_V1);

export function cosignedMessage(body: string, timestamp: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`, 'utf8');
}

/**
 * The signature line a witness adds to a checkpoint (body = the note body, ending in \n).
 * Requires a valid key name, an Ed25519 private key and a non-negative integer POSIX timestamp.
 */
export function cosignatureLine(body: string, name: string, privateKey: KeyObject, timestamp: number): string {
  if (!isValidKeyName(name)) throw new NoteError('malformed_key', `invalid key name ${JSON.stringify(name)}`);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new NoteError('malformed_note', `invalid cosignature timestamp ${timestamp}`);
  const id = keyId(name, rawPublicKey(privateKey), ALG_COSIGNATURE_V1);
  const time = Buffer.alloc(TIMESTAMP_BYTES);
  time.writeBigUInt64BE(BigInt(timestamp));
  const signature = sign(null, cosignedMessage(body, timestamp), privateKey);
  return `${SIGNATURE_PREFIX}${name} ${Buffer.concat([id, time, signature]).toString('base64')}\n`;
}

export interface VerifiedCosignature {
  name: string;
  /** POSIX seconds at which the witness cosigned. */
  timestamp: number;
  /** The whole signature line, ending in \n, ready to append to the note. */
  line: string;
}

/**
 * The note's cosignature by `key`, verified; undefined when the note has no line by that key.
 * Throws NoteError 'bad_signature' when the key's line does not verify.
 */
export function findCosignature(note: string, key: CosignerKey): VerifiedCosignature | undefined {
  const { body, signatures } = parseNote(note);
  const line = signatures.find((s) => s.name === key.name && Buffer.from(s.keyId).equals(key.keyId));
  if (!line) return undefined;
  if (line.signature.length !== TIMESTAMP_BYTES + SIGNATURE_BYTES) throw new NoteError('bad_signature', `cosignature by ${key.name} has the wrong length`);
  const timestamp = Number(Buffer.from(line.signature.subarray(0, TIMESTAMP_BYTES)).readBigUInt64BE());
  if (!Number.isSafeInteger(timestamp)) throw new NoteError('bad_signature', `cosignature by ${key.name} has an impossible timestamp`);
  if (!verify(null, cosignedMessage(body, timestamp), key.publicKey, line.signature.subarray(TIMESTAMP_BYTES))) {
    throw new NoteError('bad_signature', `invalid cosignature by ${key.name}`);
  }
  const encoded = Buffer.concat([line.keyId, line.signature]).toString('base64');
  return { name: key.name, timestamp, line: `${SIGNATURE_PREFIX}${key.name} ${encoded}\n` };
}

/** The cosignatures of the note that verify with one of `keys` (one per key at most). */
export function validCosignatures(note: string, keys: readonly CosignerKey[]): VerifiedCosignature[] {
  const found: VerifiedCosignature[] = [];
  for (const key of keys) {
    try {
      const cosignature = findCosignature(note, key);
      if (cosignature) found.push(cosignature);
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
    }
  }
  return found;
}

/** The note with extra signature lines appended (each ending in \n), skipping lines it already has. */
export function withSignatureLines(note: string, lines: readonly string[]): string {
  const present = new Set(note.split('\n').filter((l) => l.startsWith(SIGNATURE_PREFIX)).map((l) => `${l}\n`));
  return note + lines.filter((line) => !present.has(line)).join('');
}
