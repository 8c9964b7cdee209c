import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { signCheckpoint } from './checkpoint.js';
import { cosignatureLine, findCosignature, parseCosignerKey, validCosignatures, withSignatureLines } from './cosignature.js';
import { ALG_COSIGNATURE_V1, rawPublicKey, verifierKeyString } from './keys.js';
import { openCheckpointByKey } from './open-by-key.js';
import { parseNote, verifyNote } from './note.js';

const log = generateKeyPairSync('ed25519');
const witness = generateKeyPairSync('ed25519');
const note = signCheckpoint({ origin: 'example.com/log/t1', size: 20852163, rootHash: Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64') }, 'example.com/log', log.privateKey);
const body = parseNote(note).body;

describe('witness cosignatures (C2SP tlog-cosignature, Ed25519 cosignature/v1)', () => {
  it('writes the key id, the big-endian timestamp and a signature over "cosignature/v1\\ntime <t>\\n" + body, as the spec defines them', () => {
    const line = cosignatureLine(body, 'witness.example.com/w1', witness.privateKey, 1679315147);
    const match = /^\u2014 witness\.example\.com\/w1 ([A-Za-z0-9+/=]+)\n$/.exec(line);
    assert.ok(match, line);
    const bytes = Buffer.from(match[1]!, 'base64');
    assert.equal(bytes.length, 4 + 8 + 64);
    // Computed here from the spec's formula, not by the code under test.
    const expectedId = createHash('sha256').update('witness.example.com/w1\n').update(Buffer.from([0x04])).update(rawPublicKey(witness.publicKey)).digest().subarray(0, 4);
    assert.deepEqual(bytes.subarray(0, 4), expectedId);
    assert.equal(bytes.readBigUInt64BE(4), 1679315147n);
    const message = Buffer.from(`cosignature/v1\ntime 1679315147\n${body}`);
    assert.ok(verify(null, message, witness.publicKey, bytes.subarray(12)));
  });

  it('round-trips through the witness vkey, and the log signature still opens the cosigned note', () => {
    const vkey = verifierKeyString('witness.example.com/w1', witness.publicKey, ALG_COSIGNATURE_V1);
    const key = parseCosignerKey(vkey);
    const cosigned = withSignatureLines(note, [cosignatureLine(body, key.name, witness.privateKey, 1700000000)]);
    assert.deepEqual(findCosignature(cosigned, key)?.timestamp, 1700000000);
    assert.equal(verifyNote(cosigned, verifierKeyString('example.com/log', log.publicKey)), body);
    assert.equal(openCheckpointByKey(cosigned, log.publicKey).size, 20852163);
    assert.throws(() => parseCosignerKey(verifierKeyString('example.com/log', log.publicKey)), /algorithm 1, want 4/);
  });

  it('finds no cosignature by another witness, and refuses one over another body', () => {
    const key = parseCosignerKey(verifierKeyString('w', witness.publicKey, ALG_COSIGNATURE_V1));
    const stranger = parseCosignerKey(verifierKeyString('w', generateKeyPairSync('ed25519').publicKey, ALG_COSIGNATURE_V1));
    const cosigned = withSignatureLines(note, [cosignatureLine(body, 'w', witness.privateKey, 5)]);
    assert.equal(findCosignature(cosigned, stranger), undefined);
    const otherBody = body.replace('20852163', '20852164');
    const moved = withSignatureLines(signCheckpoint({ origin: 'example.com/log/t1', size: 20852164, rootHash: new Uint8Array(32) }, 'example.com/log', log.privateKey),
      [cosignatureLine(otherBody, 'w', witness.privateKey, 5)]);
    assert.equal(validCosignatures(moved, [key]).length, 0, 'the root differs from the cosigned one');
    assert.throws(() => findCosignature(moved, key), /invalid cosignature/);
  });

  it('says a checkpoint signed by another key is signed by another key', () => {
    assert.throws(() => openCheckpointByKey(note, witness.publicKey), /signed by another key \(example\.com\/log\+[0-9a-f]{8}\)/);
  });
});
