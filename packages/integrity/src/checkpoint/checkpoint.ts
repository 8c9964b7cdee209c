// C2SP tlog-checkpoint note bodies (https://c2sp.org/tlog-checkpoint):
//
//   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n ...]
//
// and helpers that sign/open a checkpoint as a signed note in one step.

import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import { NoteError } from './errors.js';
import { decodeBase64Strict } from './keys.js';
import type { VerifierKey } from './keys.js';
import { signNote, verifyNote } from './note.js';

export interface Checkpoint {
  /** Unique identifier of the log, e.g. "stele.example.com/tenant/t1". */
  origin: string;
  /** Number of leaves in the tree. */
  size: number;
  /** RFC 6962 root hash of the tree at that size (32 bytes). */
  rootHash: Uint8Array;
  /** Optional opaque extra lines (not recommended by the spec: monitors cannot audit them). */
  extensions?: string[];
}

/**
 * The checkpoint note body. Requires a non-empty origin without newlines, a safe non-negative
 * integer size, a 32-byte root hash and non-empty extension lines without newlines.
 */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  const bad = (why: string): NoteError => new NoteError('malformed_checkpoint', why);
  if (!isLine(origin)) throw bad('origin must be a non-empty line');
  if (!Number.isSafeInteger(size) || size < 0) throw bad(`invalid tree size ${size}`);
  if (rootHash.length !== 32) throw bad(`root hash has ${rootHash.length} bytes, want 32`);
  if (!extensions.every(isLine)) throw bad('extension lines must be non-empty lines');
  const b64 = Buffer.from(rootHash.buffer, rootHash.byteOffset, rootHash.byteLength).toString('base64');
  return [origin, String(size), b64, ...extensions].map((line) => `${line}\n`).join('');
}

/** Parses a checkpoint note body (as returned by verifyNote). Throws NoteError 'malformed_checkpoint'. */
export function parseCheckpoint(body: string): Checkpoint {
  const bad = (why: string): NoteError => new NoteError('malformed_checkpoint', `malformed checkpoint: ${why}`);
  if (!body.endsWith('\n')) throw bad('must end in a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad('needs origin, tree size and root hash lines');
  if (!lines.every((l) => l.length > 0)) throw bad('empty line');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw bad('tree size must be decimal without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw bad('tree size too large');
  const rootHash = decodeBase64Strict(rootText);
  if (rootHash === undefined || rootHash.length !== 32) throw bad('root hash must be base64 of 32 bytes');
  return extensions.length > 0 ? { origin, size, rootHash, extensions } : { origin, size, rootHash };
}

/** Formats and signs a checkpoint; the note text is ready to publish. Same preconditions as formatCheckpoint and signNote. */
export function signCheckpoint(checkpoint: Checkpoint, keyName: string, privateKey: KeyObject): string {
  return signNote(formatCheckpoint(checkpoint), keyName, privateKey);
}

/** Verifies a signed checkpoint note with a trusted key and parses its body. Throws NoteError. */
export function openCheckpoint(note: string | Uint8Array, verifierKey: string | VerifierKey): Checkpoint {
  return parseCheckpoint(verifyNote(note, verifierKey));
}

function isLine(s: string): boolean {
  return s.length > 0 && !s.includes('\n');
}
