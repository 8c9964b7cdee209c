// One export written to disk: rows read page by page, encoded, gzipped and hashed, then the
// manifest beside it. Shared by bulk jobs and scheduled exports.

import type { StoredEvent } from '../domain/event.js';
import { iterateEventPages } from '../query/event-iterator.js';
import { and, compare, type Sql } from '../sql/fragments.js';
import type { Store } from '../store/port.js';
import { writeFileAtomically, writeGzipArtifact } from '../background/artifact-writer.js';
import { withEvidencePin, type ExportCheckpoints } from './export-checkpoints.js';
import { encodeEvents, newTally, type ExportTally } from './encode-events.js';
import { encodeEvidence, type EvidenceFormat, type EvidencePin } from './evidence-encoder.js';
import type { ExportFormat } from './formats/index.js';
import { buildManifest, type ExportManifest, type ManifestInput } from './manifest.js';

export interface FileExport {
  tenantId: string;
  where: Sql;
  /** Read only events after this seq (scheduled exports continue where the last run stopped). */
  afterSeq?: number;
  format: ExportFormat;
  artifactPath: string;
  manifestPath: string;
  manifest: ManifestInput;
  /** Called after the page that reaches `progressEvery` more rows, awaited, so a job can publish its progress. */
  onProgress?: (tally: ExportTally) => Promise<void>;
  progressEvery?: number;
  /** Finds (or signs) the checkpoint the manifest carries. */
  checkpoints: ExportCheckpoints;
  /**
   * NDJSON and JSON artifacts are evidence files (inclusion proofs against the pinned checkpoint
   * and a signed statement of their events): pass the format's name to get one.
   */
  evidenceFormat?: EvidenceFormat;
  /** What the file holds (filters, q), written into an evidence file's header. */
  selection?: Record<string, unknown>;
}

export async function exportToFile(store: Store, request: FileExport): Promise<ExportManifest> {
  if (!request.evidenceFormat) return writeOnce(store, request, undefined);
  // An event of the file forgotten while it is written: pinned again, written again from the start.
  const where = request.afterSeq ? and([request.where, compare('seq', '>', request.afterSeq)]) : request.where;
  return withEvidencePin(request.checkpoints, request.tenantId, request.manifest.logSize, where, (pin) => writeOnce(store, request, pin));
}

async function writeOnce(store: Store, request: FileExport, pin: EvidencePin | undefined): Promise<ExportManifest> {
  const tally = newTally();
  const every = request.progressEvery ?? 5000;
  const pages = iterateEventPages(store, request.tenantId, { where: request.where, afterSeq: request.afterSeq ?? 0 });
  async function* withProgress(): AsyncGenerator<StoredEvent[]> {
    let sinceLast = 0;
    for await (const page of pages) {
      yield page;
      sinceLast += page.length;
      if (sinceLast >= every && request.onProgress) {
        sinceLast = 0;
        await request.onProgress(tally);
      }
    }
  }
  const text = pin && request.evidenceFormat
    ? encodeEvidence(request.evidenceFormat, withProgress(), pin, request.selection ?? {}, tally)
    : encodeEvents(request.format, withProgress(), tally);
  const artifact = await writeGzipArtifact(request.artifactPath, text);
  const checkpoint = pin
    ? { ...pin.checkpoint, note_key: pin.noteKey }
    : await request.checkpoints.covering(request.tenantId, request.manifest.logSize, tally.lastSeq);
  const manifest = buildManifest(request.manifest, tally, artifact, checkpoint, pin !== undefined);
  await writeFileAtomically(request.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
