import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createSecretBox, loadSecretKey } from './secret-box.js';

describe('secret box', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stele-secrets-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes its key file on first use, readable by the owner only, and reads the same key again', () => {
    let loads = 0;
    const box = createSecretBox(() => { loads += 1; return loadSecretKey({ configuredFile: undefined, dataDir: dir }); });
    assert.equal(loads, 0, 'no key file until a secret is sealed');
    const sealed = box.seal({ password: 'hunter2' }, 'schedule:a');
    assert.equal(statSync(join(dir, 'secrets.key')).mode & 0o777, 0o600);
    assert.equal(JSON.stringify(sealed).includes('hunter2'), false);
    const again = createSecretBox(() => loadSecretKey({ configuredFile: undefined, dataDir: dir }));
    assert.deepEqual(again.open(sealed, 'schedule:a'), { password: 'hunter2' });
    assert.equal(loads, 1);
  });

  it('opens only with the context it was sealed for, and unaltered', () => {
    const box = createSecretBox(() => loadSecretKey({ configuredFile: undefined, dataDir: dir }));
    const sealed = box.seal('secret', 'schedule:a');
    assert.throws(() => box.open(sealed, 'schedule:b'), /do not open with this key for what they belong to/);
    const flipped = Buffer.from(sealed.data, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    assert.throws(() => box.open({ ...sealed, data: flipped.toString('base64url') }, 'schedule:a'), /do not open/);
  });

  it('says plainly when a node has another key than the one that sealed', () => {
    const other = join(dir, 'other.key');
    writeFileSync(other, `${Buffer.alloc(32, 7).toString('base64url')}\n`);
    const sealed = createSecretBox(() => loadSecretKey({ configuredFile: undefined, dataDir: dir })).seal('secret', 'x');
    const box = createSecretBox(() => loadSecretKey({ configuredFile: other, dataDir: dir }));
    assert.throws(() => box.open(sealed, 'x'), /sealed with secrets key [0-9a-f]{16}, but this node's key is [0-9a-f]{16}: give every node the same STELE_SECRETS_KEY_FILE/);
    assert.throws(() => loadSecretKey({ configuredFile: join(dir, 'missing.key'), dataDir: dir }), /does not exist/);
  });
});
