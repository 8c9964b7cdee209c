import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hashLeaf } from './hasher.js';
import { consistency, inclusion, rehash, resolveProof, resolveRoot, rootAt } from './proof.js';
import { MemoryTree } from './testing/node-store.js';
import { mth, path, proof as referenceProof } from './testing/reference.js';
import { accumulated, derived, fromHex, golden, toHex } from './testing/vectors.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

const MAX = 130;
const leavesD = Array.from({ length: MAX }, (_, i) => new Uint8Array([i]));

// The node store exactly as the real one is filled: appendLeaves in uneven batches.
const tree = new MemoryTree();
tree.append(leavesD.map(hashLeaf), [1, 2, 5, 1, 17, 40]);

const hexList = (hs: readonly Uint8Array[]): string[] => hs.map(toHex);

describe('proof node selection', () => {
  it('resolves the golden inclusion and consistency proofs from nodes built by appendLeaves', () => {
    const g = golden();
    const t = new MemoryTree();
    t.append(g.leaves.map((l) => hashLeaf(fromHex(l))), [3, 1, 2]);
    for (const v of g.inclusion_proofs) {
      if (v.leaf_index === null) continue;
      assert.deepEqual(hexList(resolveProof(inclusion(v.leaf_index, v.tree_size), t.lookupAt(v.tree_size))), v.proof);
    }
    for (const v of g.consistency_proofs) {
      assert.deepEqual(hexList(resolveProof(consistency(v.size1, v.size2), t.lookupAt(v.size2))), v.proof);
    }
    for (let size = 0; size <= 8; size++) assert.equal(toHex(resolveRoot(size, t.lookupAt(size))), g.roots[size]);
  });

  it('resolves the derived proofs for trees of up to 130 leaves', () => {
    const d = derived();
    for (const v of d.inclusion_proofs) {
      assert.deepEqual(hexList(resolveProof(inclusion(v.leaf_index, v.tree_size), tree.lookupAt(v.tree_size))), v.proof);
    }
    for (const v of d.consistency_proofs) {
      assert.deepEqual(hexList(resolveProof(consistency(v.size1, v.size2), tree.lookupAt(v.size2))), v.proof);
    }
  });

  it('resolves the root of every size 0..130 from stored nodes', () => {
    const d = derived();
    for (let size = 0; size <= MAX; size++) assert.equal(toHex(resolveRoot(size, tree.lookupAt(size))), d.roots[size], `size ${size}`);
  });

  it('matches RFC 6962 PATH for every leaf of every tree up to 130 leaves and the proof verifies', () => {
    for (let size = 1; size <= MAX; size++) {
      const root = resolveRoot(size, tree.lookupAt(size));
      for (let index = 0; index < size; index++) {
        const got = resolveProof(inclusion(index, size), tree.lookupAt(size));
        assert.deepEqual(hexList(got), hexList(path(index, leavesD.slice(0, size))), `PATH(${index}, D[${size}])`);
        verifyInclusion(tree.get(0, index) as Uint8Array, index, size, got, root);
      }
    }
  });

  it('matches RFC 6962 PROOF for every 0 < size1 <= size2 <= 130 and the proof verifies', () => {
    const roots = Array.from({ length: MAX + 1 }, (_, n) => resolveRoot(n, tree.lookupAt(n)));
    for (let size2 = 1; size2 <= MAX; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const got = resolveProof(consistency(size1, size2), tree.lookupAt(size2));
        assert.deepEqual(hexList(got), hexList(referenceProof(size1, leavesD.slice(0, size2))), `PROOF(${size1}, D[${size2}])`);
        verifyConsistency(size1, size2, got, roots[size1] as Uint8Array, roots[size2] as Uint8Array);
      }
    }
  });

  it('needs only O(log n) stored nodes', () => {
    const size = 2 ** 40 + 12345;
    for (const index of [0, 1, 2 ** 39, size - 1]) assert.ok(inclusion(index, size).ids.length <= 2 * 41);
    assert.ok(consistency(2 ** 33 - 7, size).ids.length <= 2 * 41);
    assert.ok(rootAt(size).ids.length <= 41);
  });

  it('rejects out-of-range requests', () => {
    assert.throws(() => inclusion(5, 5), /out of bounds/);
    assert.throws(() => inclusion(-1, 5), /out of bounds/);
    assert.throws(() => consistency(6, 5), /6 > 5/);
    assert.throws(() => rehash(inclusion(0, 4), []), /expected 2/);
    assert.throws(() => resolveProof(inclusion(0, 4), () => undefined), /missing/);
  });

  it('agrees with the slow reference on random trees and batchings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.nat(),
        (batches, a, b) => {
          const total = batches.reduce((x, y) => x + y, 0);
          const leaves = Array.from({ length: total }, (_, i) => new Uint8Array([i & 0xff, (i * 7) & 0xff, 0x5a]));
          const t = new MemoryTree();
          t.append(leaves.map(hashLeaf), batches);
          const size2 = 1 + (a % total);
          const size1 = 1 + (b % size2);
          const index = b % size2;
          const d2 = leaves.slice(0, size2);
          const root2 = resolveRoot(size2, t.lookupAt(size2));
          assert.deepEqual(root2, mth(d2));
          const incl = resolveProof(inclusion(index, size2), t.lookupAt(size2));
          assert.deepEqual(incl, path(index, d2));
          verifyInclusion(hashLeaf(leaves[index] as Uint8Array), index, size2, incl, root2);
          const cons = resolveProof(consistency(size1, size2), t.lookupAt(size2));
          assert.deepEqual(cons, referenceProof(size1, d2));
          verifyConsistency(size1, size2, cons, mth(leaves.slice(0, size1)), root2);
        },
      ),
      { numRuns: 200 },
    );
  });
});

// A subtree [start, end) is valid when start == 0, start == end, or start is a multiple of
// bit_ceil(end - start) (accumulated-subtree-vectors.json "recipe").
function validSubtree(start: number, end: number): boolean {
  if (start === 0 || start === end) return true;
  let ceil = 1;
  while (ceil < end - start) ceil *= 2;
  return start % ceil === 0;
}

describe('accumulated subtree vectors (draft-ietf-plants-merkle-tree-certs)', () => {
  const want = new Map(accumulated().vectors.map((v) => [v.kind, v.digest]));
  const enc = new TextEncoder();

  it('reproduces the rolling digest over every subtree hash, roots 0..130 resolved from stored nodes', () => {
    const h = createHash('sha256');
    for (let end = 0; end <= MAX; end++) {
      for (let start = 0; start <= end; start++) {
        if (!validSubtree(start, end)) continue;
        const hash = start === 0 ? resolveRoot(end, tree.lookupAt(end)) : mth(leavesD.slice(start, end));
        h.update(enc.encode(`[${start}, ${end}) ${toHex(hash)}\n`));
      }
    }
    assert.equal(h.digest('hex'), want.get('subtree_hash'));
  });

  it('reproduces the rolling digest over every subtree inclusion proof, [0, n) ones resolved from stored nodes', () => {
    const h = createHash('sha256');
    for (let end = 0; end <= MAX; end++) {
      for (let start = 0; start <= end; start++) {
        if (!validSubtree(start, end)) continue;
        for (let index = start; index < end; index++) {
          const proof = start === 0
            ? resolveProof(inclusion(index, end), tree.lookupAt(end))
            : path(index - start, leavesD.slice(start, end));
          h.update(enc.encode(`${index} [${start}, ${end})${proof.map((p) => ` ${toHex(p)}`).join('')}\n`));
        }
      }
    }
    assert.equal(h.digest('hex'), want.get('subtree_inclusion'));
  });
});
