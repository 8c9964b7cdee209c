// The signed checkpoint a manifest carries, so an artifact is evidence on its own. A bulk job or a
// scheduled run pins its log size to a checkpoint it signs at that moment, so the checkpoint's
// tree size is exactly the pinned size: an unfiltered artifact then ends at that size and
// `stele verify` recomputes the root from the file. Without a checkpoint at the pinned size (a job
// queued before this existed), the manifest takes the latest checkpoint if it covers the last
// exported event, or signs one of the current head.

import type { CheckpointService, CheckpointView } from '../checkpoints/checkpoint-service.js';
import { createInclusionProver } from '../proofs/stored-nodes.js';
import type { Store } from '../store/port.js';
import { inList } from '../sql/fragments.js';
import type { EvidencePin } from './evidence-encoder.js';

export interface ManifestCheckpoint {
  tree_size: number;
  root_hash: string;
  created_at: string;
  /** The C2SP signed note (tlog-checkpoint), with any witness cosignatures; opens with note_key. */
  checkpoint: string;
  /** Witnesses whose cosignatures the note carries. */
  witnesses: string[];
  /** The instance's signed-note verifier key, as GET /v1/integrity/public-key gives it. */
  note_key: string;
}

export interface ExportCheckpoints {
  /** Signs a checkpoint of the tenant's head and returns its size, the size an export pins to (0 for an empty log). */
  pin(tenantId: string): Promise<number>;
  /**
   * The checkpoint for a manifest: the one at exactly `logSize` when it exists, else one that
   * covers `lastSeq` (made now when the latest does not). Null only when nothing was exported
   * and none exists at `logSize`.
   */
  covering(tenantId: string, logSize: number, lastSeq: number | null): Promise<ManifestCheckpoint | null>;
  /**
   * What an evidence file of the events up to `logSize` is pinned to: the checkpoint at exactly
   * that size (signed when the export pinned it), or a newer one. Undefined for an empty log.
   */
  evidence(tenantId: string, logSize: number): Promise<EvidencePin | undefined>;
}

type CheckpointsUsed = Pick<CheckpointService, 'checkpoint' | 'find' | 'originOf' | 'signEvidenceStatement'>;

export function createExportCheckpoints(deps: { store: Store; checkpoints: CheckpointsUsed; noteKey: string }): ExportCheckpoints {
  const withKey = (view: CheckpointView): ManifestCheckpoint => ({ ...view, note_key: deps.noteKey });
  return {
    async pin(tenantId) {
      return (await deps.checkpoints.checkpoint(tenantId))?.tree_size ?? 0;
    },
    async covering(tenantId, logSize, lastSeq) {
      const exact = logSize > 0 ? await deps.checkpoints.find(tenantId, logSize) : undefined;
      if (exact) return withKey(exact);
      if (lastSeq === null) return null;
      const latest = await deps.store.latestCheckpoint(tenantId);
      if (latest && latest.tree_size >= lastSeq) return withKey((await deps.checkpoints.find(tenantId, latest.tree_size))!);
      const made = await deps.checkpoints.checkpoint(tenantId);
      return made && made.tree_size >= lastSeq ? withKey(made) : null;
    },
    async evidence(tenantId, logSize) {
      if (logSize === 0) return undefined;
      const checkpoint = (await deps.checkpoints.find(tenantId, logSize)) ?? (await deps.checkpoints.checkpoint(tenantId));
      if (!checkpoint) return undefined;
      return {
        tenantId, checkpoint, noteKey: deps.noteKey, origin: deps.checkpoints.originOf(tenantId),
        prover: createInclusionProver(deps.store, tenantId, checkpoint.tree_size),
        signStatement: deps.checkpoints.signEvidenceStatement,
        events: (seqs) => deps.store.findEvents(tenantId, { where: inList('seq', seqs), order: { key: 'seq', direction: 'asc' }, limit: seqs.length }),
      };
    },
  };
}
