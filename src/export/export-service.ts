// Synchronous exports: count the rows a selection matches (refusing more than the cap before a
// byte is sent), then stream them page by page in seq order, and record `audit.exported` once the
// stream ends. The log size is pinned first so the count and the stream agree under live writes.

import type { JsonObject } from '../domain/event.js';
import { SteleError } from '../domain/errors.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { iterateEventPages } from '../query/event-iterator.js';
import type { Store } from '../store/port.js';
import { exportedEvent, type Requester } from './audit-events.js';
import { encodeEvents, newTally } from './encode-events.js';
import type { ExportFormat, ExportFormatName } from './formats/index.js';
import { selectionWhere, type ExportSelection, type SearchCompiler } from './export-selection.js';

export interface ExportServiceDeps {
  store: Store;
  ingest: IngestService;
  formats: Readonly<Record<ExportFormatName, ExportFormat>>;
  maxRows: number;
  now: () => number;
  search?: SearchCompiler;
}

export interface OpenedExport {
  format: ExportFormat;
  filename: string;
  rowCount: number;
  /** The file text in chunks; pulling it reads the store a page at a time. */
  chunks: AsyncGenerator<string>;
}

/** `stele-<tenant>-<utc time>.<ext>`: sortable, and safe in a Content-Disposition header. */
export function exportFilename(tenantId: string, at: number, extension: string): string {
  const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `stele-${tenantId.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}.${extension}`;
}

export function createExportService(deps: ExportServiceDeps) {
  async function open(tenantId: string, selection: ExportSelection, formatName: ExportFormatName, by: Requester): Promise<OpenedExport> {
    const now = deps.now();
    const maxSeq = (await deps.store.getHead(tenantId)).size;
    const where = selectionWhere(selection, now, maxSeq, deps.search);
    const rowCount = await deps.store.countEvents(tenantId, where);
    if (rowCount > deps.maxRows) {
      throw new SteleError('too_many_rows',
        `This export matches ${rowCount} events, more than the ${deps.maxRows} a direct download may hold. Narrow the filters, or create a bulk export job with POST /v1/exports.`,
        [], { row_count: rowCount, max_rows: deps.maxRows, bulk_export: 'POST /v1/exports' });
    }
    const format = deps.formats[formatName];
    const tally = newTally();
    const details = (completed: boolean): JsonObject => ({
      format: formatName, filters: selection.filters as JsonObject, ...(selection.q ? { q: selection.q } : {}),
      row_count: tally.rows, first_seq: tally.firstSeq, last_seq: tally.lastSeq, completed,
    });

    async function* chunks(): AsyncGenerator<string> {
      let completed = false;
      try {
        yield* encodeEvents(format, iterateEventPages(deps.store, tenantId, { where }), tally);
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
