// Inclusion proofs for one event and consistency proofs between two tree sizes, read from the
// stored complete-subtree hashes and tied to signed checkpoints where one exists.

import { SteleError } from '../domain/errors.js';
import { consistency, inclusion } from '@stele/integrity';
import type { CheckpointService } from '../checkpoints/checkpoint-service.js';
import type { Store } from '../store/port.js';
import { proofFromStore } from '../proofs/stored-nodes.js';

const hex = (hashes: Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString('hex'));

function checkSize(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw new SteleError('invalid_request', `${name} must be a positive integer`, [{ field: name, message: 'not a positive integer' }]);
  }
}

export function createProofService(deps: { store: Store; checkpoints: CheckpointService }) {
  const { store, checkpoints } = deps;

  async function headSize(tenantId: string): Promise<number> {
    return (await store.getHead(tenantId)).size;
  }

  return {
    /**
     * Proof that the event is leaf seq-1 of the tree of `treeSize` leaves. Without a size, the
     * latest checkpoint is used (made now if none covers the event yet).
     */
    async inclusionProof(tenantId: string, eventId: string, treeSize?: number) {
      checkSize(treeSize, 'tree_size');
      // The event and the log size are independent reads; overlap them.
      const [event, head] = await Promise.all([store.getEvent(tenantId, eventId), headSize(tenantId)]);
      if (!event) throw new SteleError('not_found', `No event with id ${eventId} in this tenant.`);
      let size = treeSize;
      if (size === undefined) {
        const latest = await store.latestCheckpoint(tenantId);
        size = latest && latest.tree_size >= event.seq ? latest.tree_size : (await checkpoints.checkpoint(tenantId))!.tree_size;
      }
      // A checkpoint made just now may be newer than the head read above; only a requested size is bounded by it.
      if (size < event.seq || (treeSize !== undefined && size > head)) {
        throw new SteleError('invalid_request', `tree_size must be between the event's seq (${event.seq}) and the log size (${head}).`,
          [{ field: 'tree_size', message: 'out of range' }]);
      }
      const [proof, checkpoint] = await Promise.all([
        proofFromStore(store, tenantId, inclusion(event.seq - 1, size)),
        store.getCheckpoint(tenantId, size),
      ]);
      return { leaf_index: event.seq - 1, tree_size: size, leaf_hash: event.leaf_hash, proof: hex(proof), checkpoint: checkpoint?.note ?? null };
    },

    /** Proof that the tree of `from` leaves is a prefix of the tree of `to` leaves. */
    async consistencyProof(tenantId: string, from: number, to: number) {
      checkSize(from, 'from');
      checkSize(to, 'to');
      const head = await headSize(tenantId);
      if (from > to || to > head) {
        throw new SteleError('invalid_request', `Need 1 <= from <= to <= ${head} (the log size).`, [{ field: 'to', message: 'out of range' }]);
      }
      const [proof, fromCp, toCp] = await Promise.all([
        proofFromStore(store, tenantId, consistency(from, to)),
        store.getCheckpoint(tenantId, from),
        store.getCheckpoint(tenantId, to),
      ]);
      return { from, to, proof: hex(proof), from_checkpoint: fromCp?.note ?? null, to_checkpoint: toCp?.note ?? null };
    },
  };
}

export type ProofService = ReturnType<typeof createProofService>;
