// The signed checkpoint a manifest carries, so an artifact is evidence on its own. A bulk job or a
// scheduled run pins its log size to a checkpoint it signs at that moment, so the checkpoint's
// tree size is exactly the pinned size: an unfiltered artifact then ends at that size and
// `stele verify` recomputes the root from the file. Without a checkpoint at the pinned size (a job
// queued before this existed), the manifest takes the latest checkpoint if it covers the last
// exported event, or signs one of the current head.
//
// An evidence file also proves the record that explains each of its tombstones, wherever it lies
// in the log. An event of the export deleted, erased or purged after the export pinned its size is
// explained by a record beyond that size, which the checkpoint at the pinned size cannot prove: the
// evidence file is then pinned to a newer checkpoint, one that covers that record (the latest, or
// one signed now), while the export still holds the events up to the pinned size.

import type { CheckpointService, CheckpointView } from '../checkpoints/checkpoint-service.js';
import { createInclusionProver } from '../proofs/stored-nodes.js';
import { StoreUnavailableError, type Store } from '../store/port.js';
import { and, compare, inList, sql, type Sql } from '../sql/fragments.js';
import { ForgottenMeanwhileError, type EvidencePin } from './evidence-encoder.js';

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
   * that size (signed when the export pinned it), or a newer one. With `where` (the export's
   * selection), a newer one when a tombstone of the selection is explained by a record beyond
   * `logSize`; with `needs`, one that covers that seq. Undefined for an empty log.
   */
  evidence(tenantId: string, logSize: number, options?: EvidenceNeeds): Promise<EvidencePin | undefined>;
}

export interface EvidenceNeeds {
  where?: Sql;
  needs?: number;
}

/** How many times a file export starts over because events of it were forgotten meanwhile. */
export const EVIDENCE_ATTEMPTS = 4;

/**
 * The log kept forgetting events of an export faster than it could be written: it is tried again
 * later (the job runners keep a job pending on a StoreUnavailableError), never failed for it.
 */
export class EvidenceOutpacedError extends StoreUnavailableError {
  constructor(cause: ForgottenMeanwhileError) {
    super(`events of this export were deleted, erased or purged while it was written, ${EVIDENCE_ATTEMPTS} times in a row: it is tried again later`, 5, { cause });
    this.name = 'EvidenceOutpacedError';
  }
}

/**
 * Writes an evidence file with `write`, pinned to a checkpoint that covers every record its
 * tombstones need; when an event of it is forgotten during the run (ForgottenMeanwhileError),
 * pins to a newer checkpoint and calls `write` again from the start. `write` must discard what a
 * failed call wrote. `pin` is undefined for an empty log, as from `evidence`.
 */
export async function withEvidencePin<T>(
  checkpoints: ExportCheckpoints, tenantId: string, logSize: number, where: Sql, write: (pin: EvidencePin | undefined) => Promise<T>,
): Promise<T> {
  let pin = await checkpoints.evidence(tenantId, logSize, { where });
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write(pin);
    } catch (error) {
      if (!(error instanceof ForgottenMeanwhileError)) throw error;
      if (attempt >= EVIDENCE_ATTEMPTS) throw new EvidenceOutpacedError(error);
      pin = await checkpoints.evidence(tenantId, logSize, { where, needs: error.needs });
    }
  }
}

type CheckpointsUsed = Pick<CheckpointService, 'checkpoint' | 'find' | 'originOf' | 'signEvidenceStatement'>;

export function createExportCheckpoints(deps: { store: Store; checkpoints: CheckpointsUsed; noteKey: string }): ExportCheckpoints {
  const withKey = (view: CheckpointView): ManifestCheckpoint => ({ ...view, note_key: deps.noteKey });
  /** The latest checkpoint when it covers `seq`, else one of the head signed now (undefined if that does not either). */
  const coveringSeq = async (tenantId: string, seq: number): Promise<CheckpointView | undefined> => {
    const latest = await deps.store.latestCheckpoint(tenantId);
    if (latest && latest.tree_size >= seq) return deps.checkpoints.find(tenantId, latest.tree_size);
    const made = await deps.checkpoints.checkpoint(tenantId);
    return made && made.tree_size >= seq ? made : undefined;
  };
  /** The highest seq of a record that explains a tombstone of the selection and lies beyond `logSize`. */
  const recordsBeyond = async (tenantId: string, logSize: number, where: Sql): Promise<number> => {
    const [row] = await deps.store.aggregateEvents(tenantId, {
      where: and([where, compare('seq', '<=', logSize), compare('forgotten_by', '>', logSize)]), keys: [], measures: [sql('max(forgotten_by)')],
    });
    return Number(row?.[0] ?? 0);
  };
  const pinTo = (tenantId: string, checkpoint: CheckpointView): EvidencePin => ({
    tenantId, checkpoint, noteKey: deps.noteKey, origin: deps.checkpoints.originOf(tenantId),
    prover: createInclusionProver(deps.store, tenantId, checkpoint.tree_size),
    signStatement: deps.checkpoints.signEvidenceStatement,
    events: (seqs) => deps.store.findEvents(tenantId, { where: inList('seq', seqs), order: { key: 'seq', direction: 'asc' }, limit: seqs.length }),
  });
  return {
    async pin(tenantId) {
      return (await deps.checkpoints.checkpoint(tenantId))?.tree_size ?? 0;
    },
    async covering(tenantId, logSize, lastSeq) {
      const exact = logSize > 0 ? await deps.checkpoints.find(tenantId, logSize) : undefined;
      if (exact) return withKey(exact);
      if (lastSeq === null) return null;
      const found = await coveringSeq(tenantId, lastSeq);
      return found ? withKey(found) : null;
    },
    async evidence(tenantId, logSize, options = {}) {
      if (logSize === 0) return undefined;
      const needs = Math.max(options.needs ?? 0, options.where ? await recordsBeyond(tenantId, logSize, options.where) : 0);
      if (needs > logSize) {
        const covering = await coveringSeq(tenantId, needs);
        // The record is in the log before any tombstone names it, so the head covers it.
        if (!covering) throw new Error(`no checkpoint covers seq ${needs}, the record that explains a tombstone of this export`);
        return pinTo(tenantId, covering);
      }
      const checkpoint = (await deps.checkpoints.find(tenantId, logSize)) ?? (await deps.checkpoints.checkpoint(tenantId));
      if (!checkpoint) return undefined;
      return pinTo(tenantId, checkpoint);
    },
  };
}
