// The manifest that travels with every bulk or scheduled artifact, so the file is evidence on its
// own: what was asked for, how many rows came out, which seq range they cover, and the SHA-256 of
// the file as stored.

import type { EventFilters } from '../query/event-filters.js';
import type { ExportTally } from './encode-events.js';
import type { WrittenArtifact } from './artifact-writer.js';

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
   * TODO(integrity: signed checkpoints): the signed tlog-checkpoint that covers last_seq, so the
   * file verifies offline with `stele verify`. The lead is adding stored checkpoints; until then null.
   */
  checkpoint: null;
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

export function buildManifest(input: ManifestInput, tally: ExportTally, artifact: WrittenArtifact): ExportManifest {
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
    checkpoint: null,
  };
}
