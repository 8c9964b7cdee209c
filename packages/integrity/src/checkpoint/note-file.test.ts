import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { signCheckpoint } from './checkpoint.js';
import { splitNotes } from './note-file.js';

const { privateKey } = generateKeyPairSync('ed25519');
const note = (size: number) => signCheckpoint({ origin: 'log.example/t', size, rootHash: new Uint8Array(32).fill(size) }, 'log.example', privateKey);

describe('a file of signed notes', () => {
  it('splits notes appended one after another, blank lines between them', () => {
    const notes = [note(1), note(2), note(3)];
    assert.deepEqual(splitNotes(notes.map((n) => `${n}\n`).join('')), { notes, incomplete: undefined });
    assert.deepEqual(splitNotes(notes.join('')).notes, notes, 'without the blank line between them too');
  });

  it('keeps a half-written last note apart', () => {
    const whole = `${note(1)}\n`;
    const half = note(2).slice(0, 50);
    assert.deepEqual(splitNotes(whole + half), { notes: [note(1)], incomplete: half });
    const unsigned = 'log.example/t\n3\nAAAA\n\n';
    assert.equal(splitNotes(whole + unsigned).incomplete?.startsWith('log.example/t\n3'), true);
  });

  it('returns nothing for an empty file', () => {
    assert.deepEqual(splitNotes(''), { notes: [], incomplete: undefined });
  });
});
