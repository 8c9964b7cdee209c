// Derived column values the adapters store beside the event's own fields.

import type { CanonicalEvent } from '../domain/event.js';
import { ipToBytes } from '../domain/ip.js';

export const ipBytesOf = (event: CanonicalEvent): Uint8Array | null => {
  const ip = event.context?.ip;
  return ip === undefined ? null : (ipToBytes(ip) ?? null);
};

export const detailsJsonOf = (event: CanonicalEvent): string | null =>
  event.details === undefined ? null : JSON.stringify(event.details);
