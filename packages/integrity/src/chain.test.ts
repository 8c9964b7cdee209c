import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainHash, ZERO_CHAIN } from './chain.js';

describe('chain hash', () => {
  it('is SHA-256 of the previous chain hash followed by the leaf hash', () => {
    const leaf = Buffer.from('66bdbe7262831ce8d3d8d621172c493f574d8ef8b7f78d82adb5800098d3a7cb', 'hex');
    // (head -c 32 /dev/zero; printf 66bdbe72...a7cb | xxd -r -p) | sha256sum
    assert.equal(Buffer.from(chainHash(ZERO_CHAIN, leaf)).toString('hex'), 'aed1fc925dfcc39714a17c3f5f5076eb9f28389f53554d0dd83d8f9a889ce564');
  });

  it('starts from 32 zero bytes', () => {
    assert.deepEqual(ZERO_CHAIN, new Uint8Array(32));
  });
});
