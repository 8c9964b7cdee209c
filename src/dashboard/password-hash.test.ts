import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PARAMETERS, hashPassword, verifyPassword } from './password-hash.js';

describe('password hashes', () => {
  it('records scrypt and its parameters with a random salt', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.equal(a.algorithm, 'scrypt');
    assert.deepEqual({ N: a.N, r: a.r, p: a.p, keyLength: a.keyLength }, DEFAULT_PARAMETERS);
    assert.notEqual(a.salt, b.salt);
    assert.notEqual(a.hash, b.hash);
  });

  it('accepts the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse', { N: 1024, r: 8, p: 1, keyLength: 32 });
    assert.equal(await verifyPassword('correct horse', stored), true);
    assert.equal(await verifyPassword('correct horsf', stored), false);
  });

  it('verifies with the parameters stored in the hash, not the current defaults', async () => {
    const old = await hashPassword('pw', { N: 2048, r: 4, p: 1, keyLength: 16 });
    assert.equal(await verifyPassword('pw', old), true);
  });
});
