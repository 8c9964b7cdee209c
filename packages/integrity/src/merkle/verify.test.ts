import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProofError, RootMismatchError } from './errors.js';
import { hashLeaf } from './hasher.js';
import { consistencyProbes, derived, fromBase64, fromHex, golden, inclusionProbes } from './testing/vectors.js';
import { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.js';

const decodeProof = (p: string[] | null): Uint8Array[] => (p ?? []).map(fromBase64);

describe('verifyInclusion', () => {
  for (const probe of inclusionProbes()) {
    const name = `${probe.wantErr ? 'rejects' : 'accepts'} ${probe.file.replace('testdata/inclusion/', '')} (${probe.desc})`;
    it(name, () => {
      const run = (): void => verifyInclusion(
        fromBase64(probe.leafHash), probe.leafIdx, probe.treeSize, decodeProof(probe.proof), fromBase64(probe.root),
      );
      if (probe.wantErr) assert.throws(run, (e) => e instanceof ProofError || e instanceof RootMismatchError);
      else assert.doesNotThrow(run);
    });
  }

  it('accepts the golden inclusion proofs and rejects the degenerate tree-size-0 case', () => {
    const g = golden();
    for (const v of g.inclusion_proofs) {
      const proof = v.proof.map(fromHex);
      const root = fromHex(g.roots[v.tree_size] as string);
      if (v.leaf_index === null) {
        assert.throws(() => verifyInclusion(fromHex(g.leaf_hashes[0] as string), -1, v.tree_size, proof, root), ProofError);
        continue;
      }
      verifyInclusion(fromHex(g.leaf_hashes[v.leaf_index] as string), v.leaf_index, v.tree_size, proof, root);
    }
  });

  it('accepts the derived inclusion proofs in trees of up to 130 leaves', () => {
    const d = derived();
    for (const v of d.inclusion_proofs) {
      assert.deepEqual(v.leaf_hash, Buffer.from(hashLeaf(fromHex(d.leaves[v.leaf_index] as string))).toString('hex'));
      verifyInclusion(fromHex(v.leaf_hash), v.leaf_index, v.tree_size, v.proof.map(fromHex), fromHex(d.roots[v.tree_size] as string));
    }
  });

  it('reports the expected and calculated roots on a mismatch', () => {
    const d = derived();
    const v = d.inclusion_proofs[0];
    assert.ok(v);
    const wrongRoot = fromHex(d.roots[1] as string);
    try {
      verifyInclusion(fromHex(v.leaf_hash), v.leaf_index, v.tree_size, v.proof.map(fromHex), wrongRoot);
      assert.fail('should have thrown');
    } catch (e) {
      assert.ok(e instanceof RootMismatchError);
      assert.deepEqual(e.expectedRoot, wrongRoot);
      assert.deepEqual(e.calculatedRoot, rootFromInclusionProof(fromHex(v.leaf_hash), v.leaf_index, v.tree_size, v.proof.map(fromHex)));
      assert.equal(Buffer.from(e.calculatedRoot).toString('hex'), d.roots[v.tree_size]);
    }
  });

  it('rejects a proof entry that is not 32 bytes even when the length is right', () => {
    const d = derived();
    const v = d.inclusion_proofs[1];
    assert.ok(v);
    const proof = v.proof.map(fromHex);
    proof[0] = new Uint8Array(31);
    assert.throws(() => verifyInclusion(fromHex(v.leaf_hash), v.leaf_index, v.tree_size, proof, fromHex(d.roots[v.tree_size] as string)), ProofError);
  });
});

describe('verifyConsistency', () => {
  for (const probe of consistencyProbes()) {
    const name = `${probe.wantErr ? 'rejects' : 'accepts'} ${probe.file.replace('testdata/consistency/', '')} (${probe.desc})`;
    it(name, () => {
      const run = (): void => verifyConsistency(
        probe.size1, probe.size2, decodeProof(probe.proof), fromBase64(probe.root1), fromBase64(probe.root2),
      );
      if (probe.wantErr) assert.throws(run, (e) => e instanceof ProofError || e instanceof RootMismatchError);
      else assert.doesNotThrow(run);
    });
  }

  it('accepts the golden consistency proofs', () => {
    const g = golden();
    for (const v of g.consistency_proofs) {
      verifyConsistency(v.size1, v.size2, v.proof.map(fromHex), fromHex(g.roots[v.size1] as string), fromHex(g.roots[v.size2] as string));
    }
  });

  it('accepts the derived consistency proofs in trees of up to 130 leaves', () => {
    const d = derived();
    for (const v of d.consistency_proofs) {
      verifyConsistency(v.size1, v.size2, v.proof.map(fromHex), fromHex(d.roots[v.size1] as string), fromHex(d.roots[v.size2] as string));
    }
  });

  it('treats a consistency check from an empty tree as an error, even 0 to 0', () => {
    const empty = fromHex(golden().roots[0] as string);
    assert.throws(() => verifyConsistency(0, 0, [], empty, empty), ProofError);
  });

  it('throws RootMismatchError when the old root is not a prefix of the new tree', () => {
    const d = derived();
    const v = d.consistency_proofs[1];
    assert.ok(v);
    assert.throws(
      () => verifyConsistency(v.size1, v.size2, v.proof.map(fromHex), fromHex(d.roots[v.size1 + 1] as string), fromHex(d.roots[v.size2] as string)),
      RootMismatchError,
    );
  });
});
