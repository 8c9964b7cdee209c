import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKey, type SigningKey } from '../../src/checkpoints/signing-key.js';

let key: SigningKey | undefined;

/** One freshly generated Ed25519 signing key per test process, in a temp directory. */
export function testSigningKey(): SigningKey {
  key ??= loadSigningKey({ configuredFile: undefined, dataDir: mkdtempSync(join(tmpdir(), 'stele-key-')), name: 'stele-test' });
  return key;
}
