// Derived column values the adapters store beside the event's own fields.

import type { CanonicalEvent } from '../domain/event.js';
import { ipToBytes } from '../domain/ip.js';
import { canonicalJson } from '@stele/integrity';

export const ipBytesOf = (event: CanonicalEvent): Uint8Array | null => {
  const ip = event.context?.ip;
  return ip === undefined ? null : (ipToBytes(ip) ?? null);
};

// In RFC 8785 form, so that the event's canonical text contains it verbatim: the database can then
// write that text itself when the log is verified (canonical-rows.ts).
export const detailsJsonOf = (event: CanonicalEvent): string | null =>
  event.details === undefined ? null : canonicalJson(event.details);
