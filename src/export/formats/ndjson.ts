// NDJSON: one StoredEvent per line, exactly as stored (integrity fields included, nothing renamed
// or dropped), because these files are verified offline against checkpoints. JSON.stringify never
// emits a raw newline, so a line is always one whole event.
// store/postgres/postgres-row-encodings.ts writes the same lines with COPY: change both together.

import type { StoredEvent } from '../../domain/event.js';
import type { ExportFormat } from './export-format.js';

export function encodeNdjsonLine(event: StoredEvent): string {
  return `${JSON.stringify(event)}\n`;
}

export function createNdjsonFormat(): ExportFormat {
  return {
    contentType: 'application/x-ndjson; charset=utf-8',
    fileExtension: 'ndjson',
    header: () => '',
    encode: (event) => encodeNdjsonLine(event),
    footer: () => '',
  };
}
