import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyRoot, hashChildren, hashLeaf, hashTextLeaf } from './hasher.js';
import { fromHex, golden, toHex } from './testing/vectors.js';

describe('RFC 6962 hasher', () => {
  const g = golden();

  it('hashes the empty tree to SHA-256 of the empty string', () => {
    // printf '' | sha256sum
    assert.equal(toHex(emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('reproduces the transparency-dev hasher vectors', () => {
    for (const v of g.hasher_vectors) {
      let got: Uint8Array;
      if (v.left_hex !== undefined && v.right_hex !== undefined) got = hashChildren(fromHex(v.left_hex), fromHex(v.right_hex));
      else if (v.leaf_hex !== undefined) got = hashLeaf(fromHex(v.leaf_hex));
      else got = emptyRoot();
      assert.equal(toHex(got), v.want, v.desc);
    }
  });

  it('prefixes a leaf with 0x00', () => {
    // printf '\x00L123456' | sha256sum
    assert.equal(toHex(hashLeaf(new TextEncoder().encode('L123456'))), '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
  });

  it('hashes a text leaf as the leaf of its UTF-8 bytes, non-ASCII and NUL included', () => {
    for (const text of ['L123456', '', 'café ☃ 𝄞', 'a\u0000b', '{"k":"\u2028"}']) {
      assert.equal(toHex(hashTextLeaf(text)), toHex(hashLeaf(new TextEncoder().encode(text))), JSON.stringify(text));
    }
  });

  it('keeps every result independent of the scratch buffer used to compute it', () => {
    const a = hashChildren(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
    const copy = toHex(a);
    hashChildren(new Uint8Array(32).fill(3), new Uint8Array(32).fill(4));
    assert.equal(toHex(a), copy);
  });

  it('reproduces the golden leaf hashes', () => {
    g.leaves.forEach((leaf, i) => assert.equal(toHex(hashLeaf(fromHex(leaf))), g.leaf_hashes[i]));
  });

  it('returns a fresh empty root each time so callers cannot corrupt it', () => {
    const a = emptyRoot();
    a[0] = 0;
    assert.notEqual(emptyRoot()[0], 0);
  });
});
