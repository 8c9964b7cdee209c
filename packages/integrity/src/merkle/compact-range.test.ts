import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { appendLeafBlock, appendLeaves, rootFromBorder } from './compact-range.js';
import { hashLeaf } from './hasher.js';
import { borderNodes, coverage, rangeNodes } from './node-id.js';
import { mth } from './testing/reference.js';
import { MemoryTree } from './testing/node-store.js';
import { derived, fromHex, golden, toHex } from './testing/vectors.js';

const byteLeaves = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => new Uint8Array([i & 0xff]));

describe('compact range', () => {
  it('produces every golden complete-subtree hash when leaves are appended one by one', () => {
    const g = golden();
    const tree = new MemoryTree();
    tree.append(g.leaves.map((l) => hashLeaf(fromHex(l))), [1, 1, 1, 1, 1, 1, 1, 1]);
    g.node_hashes.forEach((row, level) => row.forEach((want, index) => {
      assert.equal(toHex(tree.get(level, index) as Uint8Array), want, `node ${level}/${index}`);
    }));
  });

  it('gives the golden roots for sizes 0..8 from the border', () => {
    const g = golden();
    const hashes = g.leaves.map((l) => hashLeaf(fromHex(l)));
    for (let size = 0; size <= 8; size++) {
      const { border } = appendLeaves(0, [], hashes.slice(0, size));
      assert.equal(toHex(rootFromBorder(border)), g.roots[size], `size ${size}`);
    }
  });

  it('gives the derived roots for every size 0..130, whatever the batching', () => {
    const d = derived();
    const hashes = d.leaves.map((l) => hashLeaf(fromHex(l)));
    for (const batches of [[], [1], [3, 5, 64], Array(130).fill(1) as number[]]) {
      let size = 0;
      let border: Uint8Array[] = [];
      assert.equal(toHex(rootFromBorder(border)), d.roots[0]);
      let offset = 0;
      for (const n of [...batches, 130]) {
        for (let k = 0; k < n && offset < 130; k++) {
          ({ border } = appendLeaves(size, border, [hashes[offset] as Uint8Array]));
          size++;
          offset++;
          assert.equal(toHex(rootFromBorder(border)), d.roots[size], `size ${size}`);
        }
      }
    }
  });

  it('reports each complete node exactly once and with the hash of the leaves it covers', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }), (batches) => {
        const total = batches.reduce((a, b) => a + b, 0);
        const leaves = byteLeaves(total);
        const hashes = leaves.map(hashLeaf);
        const seen = new Set<string>();
        let size = 0;
        let border: Uint8Array[] = [];
        for (const n of batches) {
          const res = appendLeaves(size, border, hashes.slice(size, size + n));
          for (const node of res.nodes) {
            const key = `${node.level}/${node.index}`;
            assert.ok(node.level >= 1);
            assert.ok(!seen.has(key), `duplicate ${key}`);
            seen.add(key);
            const { begin, end } = coverage(node);
            assert.deepEqual(node.hash, mth(leaves.slice(begin, end)));
          }
          size += n;
          border = res.border;
          assert.equal(border.length, borderNodes(size).length);
          borderNodes(size).forEach((id, i) => {
            const { begin, end } = coverage(id);
            assert.deepEqual(border[i], mth(leaves.slice(begin, end)));
          });
        }
        // Every complete node at level >= 1 of the final tree was reported.
        let expected = 0;
        for (let level = 1; 2 ** level <= total; level++) expected += Math.floor(total / 2 ** level);
        assert.equal(seen.size, expected);
      }),
    );
  });

  it('does not modify the border it is given', () => {
    const hashes = byteLeaves(3).map(hashLeaf);
    const { border } = appendLeaves(0, [], hashes);
    const copy = border.slice();
    appendLeaves(3, border, hashes.slice(0, 1));
    assert.deepEqual(border, copy);
  });

  it('rejects a border that does not fit the size', () => {
    assert.throws(() => appendLeaves(3, [], []), /border/);
  });

  it('covers a range with the fewest aligned subtrees', () => {
    assert.deepEqual(rangeNodes(0, 13), [{ level: 3, index: 0 }, { level: 2, index: 2 }, { level: 0, index: 12 }]);
    assert.deepEqual(rangeNodes(5, 13), [{ level: 0, index: 5 }, { level: 1, index: 3 }, { level: 2, index: 2 }, { level: 0, index: 12 }]);
    assert.deepEqual(rangeNodes(7, 7), []);
  });

  it('appends thousands of leaves in one pass onto a big tree', () => {
    const hashes = Array.from({ length: 10_000 }, (_, i) => hashLeaf(new Uint8Array([i & 0xff, i >> 8])));
    const start = appendLeaves(0, [], Array<Uint8Array>(123_456).fill(hashes[0] as Uint8Array)).border;
    const res = appendLeaves(123_456, start, hashes);
    assert.equal(res.border.length, borderNodes(133_456).length);
    assert.deepEqual(appendLeafBlock(123_456, start, Buffer.concat(hashes)), res.border);
  });
});

describe('compact range: a block of leaves at once', () => {
  it('gives the border appendLeaves gives, from any size and for any block', () => {
    const hashes = byteLeaves(300).map(hashLeaf);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 150 }), (size, count) => {
        const border = appendLeaves(0, [], hashes.slice(0, size)).border;
        const expected = appendLeaves(size, border, hashes.slice(size, size + count)).border;
        assert.deepEqual(appendLeafBlock(size, border, Buffer.concat(hashes.slice(size, size + count))).map(toHex), expected.map(toHex));
      }),
    );
  });

  it('gives the derived roots for every size up to 130', () => {
    const d = derived();
    const block = Buffer.concat(d.leaves.map((l) => hashLeaf(fromHex(l))));
    for (let size = 0; size <= 130; size++) assert.equal(toHex(rootFromBorder(appendLeafBlock(0, [], block.subarray(0, 32 * size)))), d.roots[size], `size ${size}`);
  });

  it('rejects a border that does not fit, and a block that is not whole hashes', () => {
    assert.throws(() => appendLeafBlock(3, [], new Uint8Array(32)), /border/);
    assert.throws(() => appendLeafBlock(0, [], new Uint8Array(33)), /33 bytes/);
  });
});
