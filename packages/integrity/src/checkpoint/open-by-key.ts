// Opening a checkpoint with a public key alone, under whichever key name signed it. A log that
// changed its name (STELE_LOG_NAME "stele" became the URL-like STELE_LOG_ORIGIN) still holds the
// same key, so its old checkpoints must keep opening; and a checkpoint signed by another key must
// say so, not "invalid signature".

import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { NoteError } from './errors.js';
import { keyId, publicKeyFromRaw, rawPublicKey } from './keys.js';
import { parseNote } from './note.js';

export interface OpenedCheckpoint extends Checkpoint {
  /** The key name the note was signed under. */
  keyName: string;
}

/**
 * Verifies the note's signature by `publicKey` (raw 32 bytes or a KeyObject), trying each
 * signature line whose key id matches that key under the line's own name. Throws NoteError
 * 'no_signature' naming the signers when no line is by this key, 'bad_signature' when the
 * matching line does not verify, and the parse errors of parseNote / parseCheckpoint.
 */
export function openCheckpointByKey(note: string, publicKey: Uint8Array | KeyObject): OpenedCheckpoint {
  const raw = publicKey instanceof Uint8Array ? publicKey : rawPublicKey(publicKey);
  const key = publicKeyFromRaw(raw);
  const { signatures } = parseNote(note);
  const mine = signatures.filter((s) => Buffer.from(s.keyId).equals(keyId(s.name, raw)));
  if (mine.length === 0) {
    const signers = signatures.map((s) => `${s.name}+${Buffer.from(s.keyId).toString('hex')}`).join(', ');
    throw new NoteError('no_signature', `the checkpoint is signed by another key (${signers}), not by the public key given`);
  }
  const name = mine[0]!.name;
  return { ...openCheckpoint(note, { name, keyId: keyId(name, raw), publicKey: key }), keyName: name };
}
