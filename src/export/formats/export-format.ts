// The contract every export encoder meets, so the server can stream any format from a database
// cursor in constant memory: write header(), then encode(event, i) for each row, then footer().
// Encoders are pure string builders: no I/O, no buffering, no state between calls.

import type { StoredEvent } from '../../domain/event.js';

export interface ExportFormat {
  /** The HTTP Content-Type of the whole file. */
  readonly contentType: string;
  /** File name extension without the dot, for Content-Disposition and bulk artifacts. */
  readonly fileExtension: string;
  /** Text written before the first row (may be empty). */
  header(): string;
  /**
   * One row, including its own separator and line ending.
   * Requires `index` to be 0 for the first row of the file and to grow by one per row: the JSON
   * array uses it to place commas.
   */
  encode(event: StoredEvent, index: number): string;
  /** Text written after the last row (may be empty); header() + footer() alone is a valid empty file. */
  footer(): string;
}

/** Who produced the events, as named in CEF/LEEF headers and OCSF metadata.product. */
export interface ProductInfo {
  readonly vendor: string;
  readonly name: string;
  readonly version: string;
}

// The vendor and product match the CEF/LEEF vectors; the server should pass its own version.
export const DEFAULT_PRODUCT: ProductInfo = Object.freeze({ vendor: 'Stele', name: 'AuditLog', version: '1.0' });
