import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.js';
import { NoteError } from './errors.js';
import { verifierKeyString } from './keys.js';
import { parseNote } from './note.js';

const reason = (r: string) => (e: unknown): boolean => e instanceof NoteError && e.reason === r;
const root = Buffer.from('0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62', 'hex');

describe('checkpoints', () => {
  it('formats the C2SP example body exactly', () => {
    // From c2sp.org/tlog-checkpoint; root hash = base64 -d <<< CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I= | xxd -p -c 32
    const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    assert.equal(formatCheckpoint({ origin: 'example.com/behind-the-sofa', size: 20852163, rootHash: root }), body);
    assert.deepEqual(parseCheckpoint(body), { origin: 'example.com/behind-the-sofa', size: 20852163, rootHash: new Uint8Array(root) });
  });

  it('parses the body of the C2SP example signed checkpoint', () => {
    const note = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
      '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';
    const { body, signatures } = parseNote(note);
    assert.equal(parseCheckpoint(body).size, 20852163);
    assert.equal(signatures[0]?.name, 'example.com/behind-the-sofa');
    assert.equal(signatures[0]?.signature.length, 64);
  });

  it('keeps extension lines', () => {
    const cp = { origin: 'o', size: 0, rootHash: new Uint8Array(root), extensions: ['time 1714564800'] };
    assert.deepEqual(parseCheckpoint(formatCheckpoint(cp)), cp);
  });

  it('signs and opens a checkpoint, and rejects it when tampered or under the wrong key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const vkey = verifierKeyString('stele.example/t1', publicKey);
    const note = signCheckpoint({ origin: 'stele.example/t1', size: 7, rootHash: root }, 'stele.example/t1', privateKey);
    assert.deepEqual(openCheckpoint(note, vkey), { origin: 'stele.example/t1', size: 7, rootHash: new Uint8Array(root) });
    assert.throws(() => openCheckpoint(note.replace('\n7\n', '\n8\n'), vkey), reason('bad_signature'));
    const other = verifierKeyString('stele.example/t1', generateKeyPairSync('ed25519').publicKey);
    assert.throws(() => openCheckpoint(note, other), reason('no_signature'));
  });

  it('rejects malformed bodies', () => {
    for (const body of [
      'o\n1\n', 'o\n01\n' + root.toString('base64') + '\n', 'o\n-1\n' + root.toString('base64') + '\n',
      'o\n1\nAAAA\n', 'o\n1\n' + root.toString('base64'), '\n1\n' + root.toString('base64') + '\n',
      'o\n1\n' + root.toString('base64') + '\n\n', 'o\n99999999999999999999\n' + root.toString('base64') + '\n',
    ]) assert.throws(() => parseCheckpoint(body), reason('malformed_checkpoint'), JSON.stringify(body));
    assert.throws(() => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash: root }), reason('malformed_checkpoint'));
    assert.throws(() => formatCheckpoint({ origin: 'o', size: 1.5, rootHash: root }), reason('malformed_checkpoint'));
    assert.throws(() => formatCheckpoint({ origin: 'o', size: 1, rootHash: root.subarray(1) }), reason('malformed_checkpoint'));
  });
});
