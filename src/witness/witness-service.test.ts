// The witness speaks C2SP tlog-witness add-checkpoint: each refusal with the status the spec
// names, and never a cosignature for a tree smaller than, or not extending, one it cosigned.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ALG_COSIGNATURE_V1, appendLeaves, consistency, findCosignature, hashLeaf, parseCosignerKey, parseVerifierKey, resolveProof, rootFromBorder,
  signCheckpoint, verifierKeyString,
} from '@stele/integrity';
import { createWitnessService } from './witness-service.js';
import { createWitnessState } from './witness-state.js';

const log = generateKeyPairSync('ed25519');
const witnessKey = generateKeyPairSync('ed25519');
const dir = mkdtempSync(join(tmpdir(), 'stele-witness-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const leaves = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => hashLeaf(new TextEncoder().encode(`${prefix}${i}`)));
const rootOf = (hashes: Uint8Array[]) => rootFromBorder(appendLeaves(0, [], hashes).border);
const checkpointOf = (hashes: Uint8Array[], origin = 'log.example/t1') => signCheckpoint({ origin, size: hashes.length, rootHash: rootOf(hashes) }, 'log.example', log.privateKey);
/** RFC 6962 consistency proof from size1 to the whole of `hashes`, built from the leaves themselves. */
function proof(hashes: Uint8Array[], size1: number): Uint8Array[] {
  const nodes = consistency(size1, hashes.length);
  return resolveProof(nodes, (level, index) => rootOf(hashes.slice(index * 2 ** level, (index + 1) * 2 ** level)));
}
const request = (old: number, proofHashes: Uint8Array[], note: string) =>
  `old ${old}\n${proofHashes.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('')}\n${note}`;

describe('a witness (tlog-witness add-checkpoint)', () => {
  const service = createWitnessService({
    state: createWitnessState(dir), name: 'witness.example/w1', privateKey: witnessKey.privateKey,
    logKeys: [parseVerifierKey(verifierKeyString('log.example', log.publicKey))], now: () => 1_700_000_000_000,
  });
  const cosigner = parseCosignerKey(verifierKeyString('witness.example/w1', witnessKey.publicKey, ALG_COSIGNATURE_V1));
  const history = leaves('a', 40);

  it('cosigns a first checkpoint from size 0, with a cosignature that verifies', async () => {
    const note = checkpointOf(history.slice(0, 10));
    const answer = await service.addCheckpoint(request(0, [], note));
    assert.equal(answer.status, 200, answer.body);
    assert.equal(findCosignature(note + answer.body, cosigner)?.timestamp, 1_700_000_000);
  });

  it('answers 409 with its size (text/x.tlog.size) to a wrong old size', async () => {
    const answer = await service.addCheckpoint(request(0, [], checkpointOf(history.slice(0, 20))));
    assert.deepEqual(answer, { status: 409, contentType: 'text/x.tlog.size', body: '10\n' });
  });

  it('cosigns a consistent extension, and refuses an inconsistent one with 422', async () => {
    assert.equal((await service.addCheckpoint(request(10, proof(history.slice(0, 20), 10), checkpointOf(history.slice(0, 20))))).status, 200);
    const forged = [...history.slice(0, 5), ...leaves('forged', 25)];
    const answer = await service.addCheckpoint(request(20, proof(forged, 20), checkpointOf(forged)));
    assert.equal(answer.status, 422);
  });

  it('refuses a smaller tree (a restored backup) and another root at the same size', async () => {
    assert.equal((await service.addCheckpoint(request(20, [], checkpointOf(history.slice(0, 15))))).status, 400, 'old size above the checkpoint size');
    assert.deepEqual((await service.addCheckpoint(request(0, [], checkpointOf(history.slice(0, 15))))).body, '20\n');
    const other = [...leaves('b', 20)];
    assert.equal((await service.addCheckpoint(request(20, [], checkpointOf(other)))).status, 409);
  });

  it('answers 404 for an unknown origin and 403 for a signature by an untrusted key, 400 for a malformed request', async () => {
    const stranger = generateKeyPairSync('ed25519');
    const foreign = signCheckpoint({ origin: 'other.example/x', size: 1, rootHash: rootOf(history.slice(0, 1)) }, 'other.example', log.privateKey);
    assert.equal((await service.addCheckpoint(request(0, [], foreign))).status, 404);
    const forgedSignature = signCheckpoint({ origin: 'log.example/t2', size: 1, rootHash: rootOf(history.slice(0, 1)) }, 'log.example', stranger.privateKey);
    assert.equal((await service.addCheckpoint(request(0, [], forgedSignature))).status, 403);
    assert.equal((await service.addCheckpoint('old x\n\nnot a note')).status, 400);
    assert.equal((await service.addCheckpoint(request(0, [history[0]!], checkpointOf(history.slice(0, 1), 'log.example/t3')))).status, 400, 'a proof from size 0');
  });

  it('keeps its state across restarts, and runs concurrent submissions of one origin one at a time', async () => {
    const again = createWitnessService({
      state: createWitnessState(dir), name: 'witness.example/w1', privateKey: witnessKey.privateKey,
      logKeys: [parseVerifierKey(verifierKeyString('log.example', log.publicKey))],
    });
    assert.deepEqual((await again.addCheckpoint(request(0, [], checkpointOf(history.slice(0, 30))))).body, '20\n');
    const answers = await Promise.all([25, 30, 35].map((n) => again.addCheckpoint(request(20, proof(history.slice(0, n), 20), checkpointOf(history.slice(0, n))))));
    assert.deepEqual(answers.map((a) => a.status), [200, 409, 409], 'after the first, the old size 20 no longer matches');
    assert.equal(createWitnessState(dir).read('log.example/t1')?.size, 25);
  });
});
