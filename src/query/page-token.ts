// Opaque cursor for keyset pagination. It names the last row of the page (sort values) and a
// fingerprint of the filters, so a token replayed with other filters is refused instead of
// silently returning a wrong page. New events never shift a keyset page: none is skipped or repeated.

import { createHash } from 'node:crypto';
import { SteleError } from '../domain/errors.js';
import type { SortDirection, SortKey } from '../store/port.js';

export interface PagePosition {
  key: SortKey;
  direction: SortDirection;
  occurredAt: number;
  seq: number;
  filters: string;
}

export const fingerprint = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);

export function encodePageToken(position: PagePosition): string {
  const { key, direction, occurredAt, seq, filters } = position;
  return Buffer.from(JSON.stringify([1, key, direction, occurredAt, seq, filters])).toString('base64url');
}

// The largest time a Date can hold; seq is a positive safe integer. A token is only base64 text in
// the client's hands: edited numbers beyond these would reach the database as out-of-range values.
const MAX_TIME_MS = 8.64e15;
const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && Math.abs(value as number) <= MAX_TIME_MS;
const isSeq = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export function decodePageToken(token: string): PagePosition {
  try {
    const [version, key, direction, occurredAt, seq, filters] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (version === 1 && (key === 'seq' || key === 'occurred_at') && (direction === 'asc' || direction === 'desc')
      && isTime(occurredAt) && isSeq(seq) && typeof filters === 'string') {
      return { key, direction, occurredAt: occurredAt as number, seq: seq as number, filters };
    }
  } catch {
    // fall through to the error below
  }
  throw new SteleError('invalid_page_token', 'page_token is not a token this server issued; start again without it.');
}
