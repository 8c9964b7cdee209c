// A JSON array of StoredEvents exactly as stored, written one element at a time: the row index
// decides whether a comma goes before the element, so an empty export is still `[\n]\n`.

import type { StoredEvent } from '../../domain/event.js';
import type { ExportFormat } from './export-format.js';

/** One array element with its leading separator. Requires index 0 for the first element. */
export function encodeJsonElement(event: StoredEvent, index: number): string {
  return `${index === 0 ? '\n' : ',\n'}${JSON.stringify(event)}`;
}

export function createJsonFormat(): ExportFormat {
  return {
    contentType: 'application/json; charset=utf-8',
    fileExtension: 'json',
    header: () => '[',
    encode: encodeJsonElement,
    footer: () => '\n]\n',
  };
}
