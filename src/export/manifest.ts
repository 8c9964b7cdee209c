// The manifest that travels with every bulk or scheduled artifact, so the file is evidence on its
// own: what was asked for, how many rows came out, which seq range they cover, and the SHA-256 of
// the file as stored, and the signed checkpoint that covers the last row.

import type { EventFilters } from '../query/event-filters.js';
import type { ExportTally } from './encode-events.js';
import type { WrittenArtifact } from '../background/artifact-writer.js';
import type { ManifestCheckpoint } from './export-checkpoints.js';

export interface ExportManifest {
  manifest_version: 1;
  tenant_id: string;
  source: { kind: 'bulk_export' | 'scheduled_export'; id: string };
  label: string | null;
  control_id: string | null;
  period: { since: string; until: string } | null;
  format: string;
  filters: EventFilters;
  q: string | null;
  file: string;
  compression: 'gzip';
  bytes: number;
  sha256: string;
  uncompressed_sha256: string;
  row_count: number;
  first_seq: number | null;
  last_seq: number | null;
  /** The log size the export was pinned to: every matching event with seq <= this is in the file. */
  log_size: number;
  created_at: string;
  /**
   * The signed checkpoint that covers last_seq (tree_size >= last_seq; exactly log_size when the
   * export signed it on pinning), with the key that opens it: `stele verify --checkpoint` checks an
   * unfiltered artifact against it offline. Null only for an empty export of an empty log.
   */
  checkpoint: ManifestCheckpoint | null;
  /**
   * True when the file is an evidence file: every event carries its inclusion proof against
   * `checkpoint`, and a signed statement names how many events the file holds and which, so
   * `stele verify --events FILE --public-key key.pem` checks even a filtered file offline.
   */
  evidence: boolean;
}

export interface ManifestInput {
  tenantId: string;
  source: ExportManifest['source'];
  label?: string | null;
  controlId?: string | null;
  period?: ExportManifest['period'];
  format: string;
  filters: EventFilters;
  q?: string | null;
  file: string;
  logSize: number;
  createdAt: string;
}

export function buildManifest(input: ManifestInput, tally: ExportTally, artifact: WrittenArtifact, checkpoint: ManifestCheckpoint | null, evidence: boolean): ExportManifest {
  return {
    manifest_version: 1,
    tenant_id: input.tenantId,
    source: input.source,
    label: input.label ?? null,
    control_id: input.controlId ?? null,
    period: input.period ?? null,
    format: input.format,
    filters: input.filters,
    q: input.q ?? null,
    file: input.file,
    compression: 'gzip',
    bytes: artifact.bytes,
    sha256: artifact.sha256,
    uncompressed_sha256: artifact.uncompressed_sha256,
    row_count: tally.rows,
    first_seq: tally.firstSeq,
    last_seq: tally.lastSeq,
    log_size: input.logSize,
    created_at: input.createdAt,
    checkpoint,
    evidence,
  };
}
