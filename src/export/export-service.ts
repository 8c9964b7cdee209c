// Synchronous exports: count the rows a selection matches (refusing more than the cap before a
// byte is sent), then stream them in seq order, and record `audit.exported` once the stream ends.
// The log size is pinned first so the count and the stream agree under live writes. CSV and
// NDJSON rows come encoded from the store when it can (PostgreSQL's COPY); otherwise, and for the
// other formats, events are read page by page and encoded here. An evidence file (`proofs=true`) is
// pinned to a checkpoint signed at the start, and starts over pinned to a newer one when an event of
// it is forgotten before its first bytes are sent (see evidenceChunks).

import type { JsonObject } from '../domain/event.js';
import { SteleError } from '../domain/errors.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { iterateEventPages } from '../query/event-iterator.js';
import { and } from '../sql/fragments.js';
import type { Store, StoreRowEncoding } from '../store/port.js';
import { exportedEvent, type Requester } from './audit-events.js';
import { encodeEvents, newTally, withStoreEncodedRows } from './encode-events.js';
import { encodeEvidence, ForgottenMeanwhileError, isEvidenceFormat, type EvidenceFormat, type EvidencePin } from './evidence-encoder.js';
import { EVIDENCE_ATTEMPTS, type ExportCheckpoints } from './export-checkpoints.js';
import type { ExportFormat, ExportFormatName } from './formats/index.js';
import { createCsvColumnsFormat, type CsvColumn } from './formats/csv-columns.js';
import { selectionWhere, type ExportSelection, type SavedSearchCompiler, type SearchCompiler } from './export-selection.js';

export interface ExportServiceDeps {
  store: Store;
  ingest: IngestService;
  formats: Readonly<Record<ExportFormatName, ExportFormat>>;
  maxRows: number;
  now: () => number;
  search?: SearchCompiler;
  /** Without it, `saved_search` is refused rather than ignored. */
  savedSearch?: SavedSearchCompiler;
  /** Pins evidence files (`proofs`) to a checkpoint. */
  checkpoints: ExportCheckpoints;
}

/** A download's selection: an export selection plus, here only, a saved search by id. */
export interface StreamSelection extends ExportSelection {
  saved_search?: string;
  /** An evidence file: NDJSON or JSON with each event's inclusion proof and a signed statement (see evidence-encoder.ts). */
  proofs?: boolean;
  /** CSV only: these columns, in order (formats/csv-columns.ts). */
  columns?: CsvColumn[];
}

export interface OpenedExport {
  format: ExportFormat;
  filename: string;
  rowCount: number;
  /** The file in chunks; pulling it reads the store as it goes. */
  chunks: AsyncGenerator<string | Uint8Array>;
}

/** The formats whose rows a store may encode itself: the same encoders' rows, byte for byte (see Store.encodeEventRows). */
const STORE_ENCODED: Partial<Record<ExportFormatName, StoreRowEncoding>> = { csv: 'csv', ndjson: 'ndjson' };

/** `stele-<tenant>-<utc time>.<ext>`: sortable, and safe in a Content-Disposition header. */
export function exportFilename(tenantId: string, at: number, extension: string): string {
  const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `stele-${tenantId.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}.${extension}`;
}

export function createExportService(deps: ExportServiceDeps) {
  async function savedCondition(tenantId: string, id: string, now: number) {
    if (!deps.savedSearch) {
      throw new SteleError('invalid_request', 'The saved_search parameter is not available for exports here.', [{ field: 'saved_search', message: 'not supported' }]);
    }
    return deps.savedSearch(tenantId, id, now);
  }

  /** `signal` aborts when the client goes away, so the store stops reading even between chunks. */
  async function open(tenantId: string, selection: StreamSelection, formatName: ExportFormatName, by: Requester, signal?: AbortSignal): Promise<OpenedExport> {
    const now = deps.now();
    if (selection.proofs && !isEvidenceFormat(formatName)) {
      throw new SteleError('invalid_request', 'proofs=true makes an evidence file, in ndjson or json.', [{ field: 'proofs', message: `not available for ${formatName}` }]);
    }
    if (selection.columns && formatName !== 'csv') {
      throw new SteleError('invalid_request', 'columns chooses the columns of a CSV export: give format=csv.', [{ field: 'columns', message: `not available for ${formatName}` }]);
    }
    // An evidence file is pinned to a checkpoint signed now; it holds the events up to its size.
    const pinned = selection.proofs ? await deps.checkpoints.pin(tenantId) : 0;
    let pin = pinned > 0 ? await deps.checkpoints.evidence(tenantId, pinned) : undefined;
    const maxSeq = pin ? pinned : (await deps.store.getHead(tenantId)).size;
    const where = and([
      selectionWhere(selection, now, maxSeq, deps.search),
      ...(selection.saved_search !== undefined ? [await savedCondition(tenantId, selection.saved_search, now)] : []),
    ]);
    const rowCount = await deps.store.countEvents(tenantId, where);
    // The events are read up to maxSeq: a read replica serves them once it holds the log that far.
    const replica = { atLeastSeq: maxSeq };
    if (rowCount > deps.maxRows) {
      throw new SteleError('too_many_rows',
        `This export matches ${rowCount} events, more than the ${deps.maxRows} a direct download may hold. Narrow the filters, or create a bulk export job with POST /v1/exports.`,
        [], { row_count: rowCount, max_rows: deps.maxRows, bulk_export: 'POST /v1/exports' });
    }
    const format = selection.columns ? createCsvColumnsFormat(selection.columns) : deps.formats[formatName];
    const tally = newTally();
    const details = (completed: boolean): JsonObject => ({
      format: formatName, filters: selection.filters as JsonObject, ...(selection.q ? { q: selection.q } : {}),
      ...(selection.saved_search !== undefined ? { saved_search: selection.saved_search } : {}),
      row_count: tally.rows, first_seq: tally.firstSeq, last_seq: tally.lastSeq, completed,
      ...(pin && { evidence: true, checkpoint_size: pin.checkpoint.tree_size }),
      ...(selection.columns && { columns: selection.columns.map((c) => (c.header === c.path ? c.path : `${c.path}:${c.header}`)) }),
    });

    // The store encodes the export CSV's own columns only.
    const storeEncoding = selection.columns ? undefined : STORE_ENCODED[formatName];
    const encodeRows = deps.store.encodeEventRows?.bind(deps.store);

    /**
     * The evidence file. An event of it deleted, erased or purged after the pin is explained by a
     * record the pinned checkpoint does not cover (ForgottenMeanwhileError): pinned again to a newer
     * checkpoint, the file starts over, as long as none of it was sent. Once a chunk is sent it
     * cannot be taken back: the download then ends without its signed trailer, which `stele verify`
     * reports as a file cut short, and `audit.exported` records it incomplete.
     */
    async function* evidenceChunks(evidenceFormat: EvidenceFormat, first: EvidencePin): AsyncGenerator<string> {
      const described = { filters: selection.filters, ...(selection.q && { q: selection.q }), ...(selection.saved_search !== undefined && { saved_search: selection.saved_search }) };
      let current = first;
      for (let attempt = 1; ; attempt += 1) {
        let sent = false;
        try {
          for await (const chunk of encodeEvidence(evidenceFormat, iterateEventPages(deps.store, tenantId, { where, replica }), current, described, tally)) {
            sent = true;
            yield chunk;
          }
          return;
        } catch (error) {
          if (!(error instanceof ForgottenMeanwhileError) || sent || attempt >= EVIDENCE_ATTEMPTS) throw error;
          Object.assign(tally, newTally());
          delete tally.carried;
          delete tally.forgotten;
          current = (await deps.checkpoints.evidence(tenantId, maxSeq, { where, needs: error.needs }))!;
          pin = current;
        }
      }
    }

    async function* chunks(): AsyncGenerator<string | Uint8Array> {
      let completed = false;
      try {
        if (pin && isEvidenceFormat(formatName)) {
          yield* evidenceChunks(formatName, pin);
        } else if (encodeRows && storeEncoding) yield* withStoreEncodedRows(format, encodeRows(tenantId, where, storeEncoding, signal, replica), tally);
        else yield* encodeEvents(format, iterateEventPages(deps.store, tenantId, { where, replica }), tally);
        completed = true;
      } finally {
        // A client that hangs up mid-file still read some rows: that is recorded too, as incomplete.
        await deps.ingest.record(tenantId, [exportedEvent(by, 'stream', details(completed), completed)]);
      }
    }

    return { format, filename: exportFilename(tenantId, now, format.fileExtension), rowCount, chunks: chunks() };
  }

  return { open };
}

export type ExportService = ReturnType<typeof createExportService>;
