import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NoteError } from './errors.js';
import { keyId, parseVerifierKey, privateKeyFromSeed, rawPublicKey, verifierKeyString } from './keys.js';
import { parseNote, signNote, verifyNote } from './note.js';

// Vectors from golang.org/x/mod/sumdb/note note_test.go.
const PETER_SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

const reason = (r: string) => (e: unknown): boolean => e instanceof NoteError && e.reason === r;

describe('signed notes', () => {
  it('signs byte-for-byte like Go sumdb/note', () => {
    assert.equal(signNote(TEXT, 'PeterNeumann', privateKeyFromSeed(PETER_SEED)), `${TEXT}\n${PETER_SIG}`);
  });

  it('derives the same verifier key string and key id as Go', () => {
    const key = privateKeyFromSeed(PETER_SEED);
    assert.equal(verifierKeyString('PeterNeumann', key), PETER_VKEY);
    assert.equal(verifierKeyString('PeterNeumann', rawPublicKey(key)), PETER_VKEY);
    assert.equal(Buffer.from(keyId('PeterNeumann', rawPublicKey(key))).toString('hex'), 'c74f20a3');
  });

  it('opens a note signed by two keys with either key, ignoring the unknown one', () => {
    const note = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    assert.equal(verifyNote(note, PETER_VKEY), TEXT);
    assert.equal(verifyNote(note, ENOCH_VKEY), TEXT);
    assert.equal(verifyNote(new TextEncoder().encode(note), PETER_VKEY), TEXT);
    assert.equal(parseNote(note).signatures.length, 2);
  });

  it('rejects a note without a signature by the trusted key', () => {
    assert.throws(() => verifyNote(`${TEXT}\n${ENOCH_SIG}`, PETER_VKEY), reason('no_signature'));
  });

  it('rejects a corrupted signature', () => {
    assert.throws(() => verifyNote(`${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, PETER_VKEY), reason('bad_signature'));
  });

  it('rejects a tampered body', () => {
    assert.throws(() => verifyNote(`${TEXT.replace('answer', 'Answer')}\n${PETER_SIG}`, PETER_VKEY), reason('bad_signature'));
  });

  it('rejects malformed notes the way Go does', () => {
    for (const msg of [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\x01${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n${PETER_SIG.replace('—', '--')}`,
      `${TEXT}\n${PETER_SIG.repeat(101)}`,
    ]) assert.throws(() => verifyNote(msg, PETER_VKEY), reason('malformed_note'), JSON.stringify(msg));
    assert.throws(() => verifyNote(new Uint8Array([0xff, ...Buffer.from(`${TEXT}\n${PETER_SIG}`)]), PETER_VKEY), reason('malformed_note'));
  });

  it('rejects mangled verifier keys', () => {
    for (const k of [
      'PeterNeumann+c74f20a3',
      'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==',
      'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'PeterNeumanm+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    ]) assert.throws(() => parseVerifierKey(k), reason('malformed_key'), k);
  });

  it('refuses to sign a body that could not be parsed back', () => {
    const key = privateKeyFromSeed(PETER_SEED);
    for (const body of ['', 'no newline', 'a\n\nb\n', 'tab\there\n']) {
      assert.throws(() => signNote(body, 'k', key), reason('malformed_note'), JSON.stringify(body));
    }
    assert.throws(() => signNote(TEXT, 'has space', key), reason('malformed_key'));
    assert.throws(() => signNote(TEXT, 'a+b', key), reason('malformed_key'));
  });

  it('round-trips with a fresh key and rejects the note under a different key of the same name', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const note = signNote('stele.example/log\n5\nAAAA\n', 'stele.example/log', privateKey);
    assert.equal(verifyNote(note, verifierKeyString('stele.example/log', publicKey)), 'stele.example/log\n5\nAAAA\n');
    assert.throws(() => verifyNote(note, verifierKeyString('stele.example/log', other.publicKey)), reason('no_signature'));
  });

  it('produces a plain Ed25519 signature over the body that openssl verifies', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const body = 'stele.example/log\n42\nz+1rS2hHq8a8Y3R5pQ8Hh0l3x2ZkQ7kqSmHh3c9x0pI=\n';
    const note = signNote(body, 'stele.example/log', privateKey);
    const sig = Buffer.from(note.slice(note.lastIndexOf(' ') + 1, -1), 'base64').subarray(4);
    const dir = mkdtempSync(join(tmpdir(), 'stele-note-'));
    try {
      writeFileSync(join(dir, 'body.txt'), body);
      writeFileSync(join(dir, 'sig.bin'), sig);
      writeFileSync(join(dir, 'pub.pem'), publicKey.export({ format: 'pem', type: 'spki' }));
      const verifyWith = (file: string): string => execFileSync('openssl', [
        'pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin', '-in', join(dir, file), '-sigfile', join(dir, 'sig.bin'),
      ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      assert.match(verifyWith('body.txt'), /Signature Verified Successfully/);
      writeFileSync(join(dir, 'tampered.txt'), body.replace('42', '43'));
      assert.throws(() => verifyWith('tampered.txt'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
