// Turns a stream of stored events into the text of one export file: header, rows, footer. Rows
// are joined into chunks of about 64 KiB so a large export costs few socket writes, while memory
// stays bounded by one chunk plus one page of events.

import type { StoredEvent } from '../domain/event.js';
import type { ExportFormat } from './formats/index.js';

export interface ExportTally {
  rows: number;
  firstSeq: number | null;
  lastSeq: number | null;
}

export const newTally = (): ExportTally => ({ rows: 0, firstSeq: null, lastSeq: null });

const CHUNK_CHARS = 64 * 1024;

/** Yields the file text; `tally` is updated as rows are encoded, so it is complete once the generator ends. */
export async function* encodeEvents(format: ExportFormat, events: AsyncIterable<StoredEvent>, tally: ExportTally): AsyncGenerator<string> {
  let chunk = format.header();
  for await (const event of events) {
    chunk += format.encode(event, tally.rows);
    tally.rows += 1;
    tally.firstSeq ??= event.seq;
    tally.lastSeq = event.seq;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  chunk += format.footer();
  if (chunk !== '') yield chunk;
}
