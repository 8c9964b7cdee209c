// Derived column values the adapters store beside the event's own fields.

import type { CanonicalEvent } from '../domain/event.js';
import { ipToBytes } from '../domain/ip.js';
import { canonicalJson } from '@stele/integrity';
import { eventToRow, type RowValue } from './event-rows.js';
import type { SealedBatch } from './port.js';

export const ipBytesOf = (event: CanonicalEvent): Uint8Array | null => {
  const ip = event.context?.ip;
  return ip === undefined ? null : (ipToBytes(ip) ?? null);
};

// In RFC 8785 form, so that the event's canonical text contains it verbatim: the database can then
// write that text itself when the log is verified (canonical-rows.ts).
export const detailsJsonOf = (event: CanonicalEvent): string | null =>
  event.details === undefined ? null : canonicalJson(event.details);

/** A sealed event's `events` row (EVENT_INSERT_COLUMNS order), with the input hash it was sent with. */
export const sealedEventRow = (sealed: SealedBatch['events'][number], inputHash: Uint8Array): RowValue[] => eventToRow(sealed.event, {
  ipBin: ipBytesOf(sealed.event), detailsJson: detailsJsonOf(sealed.event), inputHash, leafHash: sealed.leafHash, chainHash: sealed.chainHash,
});
