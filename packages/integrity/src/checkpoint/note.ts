// C2SP signed-note (https://c2sp.org/signed-note), compatible with golang.org/x/mod/sumdb/note:
//
//   <body, one or more lines each ending in \n>
//   <blank line>
//   — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>\n   (one line per signer)
//
// The signature is a plain Ed25519 signature over the body bytes (including its final \n), so
// `openssl pkeyutl -verify -rawin` can check it too.

import { Buffer } from 'node:buffer';
import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { NoteError } from './errors.js';
import { isValidKeyName, keyId, parseVerifierKey, rawPublicKey } from './keys.js';
import type { VerifierKey } from './keys.js';

/** U+2014 EM DASH and a space: the start of every signature line. */
export const SIGNATURE_PREFIX = '\u2014 ';
/** Go's note.Open refuses notes with more signature lines than this. */
export const MAX_SIGNATURES = 100;

export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

export interface ParsedNote {
  /** The signed text, ending in \n. */
  body: string;
  signatures: NoteSignature[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Signs `body` with an Ed25519 private key under `keyName` and returns the note text.
 * Requires a non-empty body ending in \n without blank lines or control characters other than
 * \n, a valid key name (non-empty, no spaces or '+') and an Ed25519 private KeyObject.
 */
export function signNote(body: string, keyName: string, privateKey: KeyObject): string {
  if (!isWellFormedText(body) || !body.endsWith('\n') || body.includes('\n\n')) {
    throw new NoteError('malformed_note', 'note body must be non-empty text ending in a newline, without blank lines');
  }
  if (!isValidKeyName(keyName)) throw new NoteError('malformed_key', `invalid key name ${JSON.stringify(keyName)}`);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new NoteError('malformed_key', 'expected an Ed25519 private key');
  }
  const id = keyId(keyName, rawPublicKey(privateKey));
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey);
  const sig = Buffer.concat([id, signature]).toString('base64');
  return `${body}\n${SIGNATURE_PREFIX}${keyName} ${sig}\n`;
}

/**
 * Splits a signed note into its body and signature lines, checking the syntax the way Go's
 * note.Open does (split at the last blank line, at most 100 signatures). Throws NoteError
 * 'malformed_note'. Does not check any signature.
 */
export function parseNote(note: string | Uint8Array): ParsedNote {
  const malformed = (why: string): NoteError => new NoteError('malformed_note', `malformed note: ${why}`);
  let text: string;
  try {
    text = typeof note === 'string' ? note : utf8.decode(note);
  } catch {
    throw malformed('not valid UTF-8');
  }
  if (!isWellFormedText(text)) throw malformed('control characters or invalid text');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const body = text.slice(0, split + 1);
  const sigText = text.slice(split + 2);
  if (sigText.length === 0 || !sigText.endsWith('\n')) throw malformed('signature block must end in a newline');
  const lines = sigText.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('signature line must start with an em dash and a space');
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const b64 = space < 0 ? '' : rest.slice(space + 1);
    const bytes = decodeBase64(b64);
    if (!isValidKeyName(name) || bytes === undefined || bytes.length < 5) throw malformed('bad signature line');
    return { name, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
  });
  return { body, signatures };
}

/**
 * Opens a signed note with one trusted key and returns its body. Signatures by other keys are
 * ignored (as the spec requires); the first line with the key's name and key id decides.
 * Throws NoteError: 'malformed_note', 'malformed_key', 'no_signature' or 'bad_signature'.
 */
export function verifyNote(note: string | Uint8Array, verifierKey: string | VerifierKey): string {
  const key = typeof verifierKey === 'string' ? parseVerifierKey(verifierKey) : verifierKey;
  const { body, signatures } = parseNote(note);
  const mine = signatures.find((s) => s.name === key.name && Buffer.from(s.keyId).equals(key.keyId));
  if (mine === undefined) throw new NoteError('no_signature', `note has no signature by ${key.name}`);
  if (mine.signature.length !== 64 || !verify(null, Buffer.from(body, 'utf8'), key.publicKey, mine.signature)) {
    throw new NoteError('bad_signature', `invalid signature for key ${key.name}+${Buffer.from(key.keyId).toString('hex')}`);
  }
  return body;
}

// Text Go's note accepts: well-formed Unicode, no ASCII control characters other than \n.
function isWellFormedText(text: string): boolean {
  return text.length > 0 && !/[\u0000-\u0009\u000b-\u001f\p{Cs}]/u.test(text);
}

// Standard padded base64, as Go's base64.StdEncoding.DecodeString accepts it.
function decodeBase64(s: string): Uint8Array | undefined {
  if (s.length === 0 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  return new Uint8Array(Buffer.from(s, 'base64'));
}
