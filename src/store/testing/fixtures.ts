// Small builders for store-level tests: events as the ingest path would hand them to the store.

import { createHash } from 'node:crypto';
import type { JsonObject, NewEvent } from '../../domain/event.js';
import { categoryOf } from '../../domain/actions.js';
import { uuidv7 } from '../../domain/ids.js';
import type { PendingEvent } from '../port.js';
import { HOSTILE_STRINGS } from '../../domain/testing/hostile-strings.js';

let clock = Date.parse('2026-05-01T12:00:00.000Z');

export function pendingEvent(fields: Partial<NewEvent> & { action?: string } = {}): PendingEvent {
  clock += 1000;
  const action = fields.action ?? 'user.login';
  const event: Omit<NewEvent, never> = {
    id: fields.id ?? uuidv7(),
    action,
    category: fields.category ?? categoryOf(action),
    occurred_at: fields.occurred_at ?? new Date(clock).toISOString(),
    received_at: fields.received_at ?? new Date(clock + 5).toISOString(),
    ...(fields.actor && { actor: fields.actor }),
    ...(fields.target && { target: fields.target }),
    ...(fields.context && { context: fields.context }),
    ...(fields.success !== undefined && { success: fields.success }),
    ...(fields.details && { details: fields.details }),
  };
  return { event, inputHash: createHash('sha256').update(JSON.stringify(event)).digest() };
}

export const pendingEvents = (count: number, make: (i: number) => Partial<NewEvent> = () => ({})): PendingEvent[] =>
  Array.from({ length: count }, (_, i) => pendingEvent(make(i)));

/** Details whose jsonb text differs from JSON.stringify in more than spacing, and look-alikes that do not. */
export const AWKWARD_DETAILS: JsonObject[] = [
  { b: 1, a: 2, '10': 3, '2': 4, '4294967295': 5, '4294967294': 6, '01': 7, '': 8, '-1': 9 },
  { nested: { z: 1, '7': { y: 2, '0': 3 } }, list: [{ b: 1, '1': 2 }] },
  { big: 1e21, bigger: 1.2345678901234567e25, tiny: 1e-7, small: 1.5e-7, edge: 0.000001, max: 1.7976931348623157e308, min: 5e-324 },
  { neg: -1e-7, negbig: -1e21, frac: 0.1 + 0.2, int: 2 ** 53 + 2, zero: 0, negzero: -0, hundred: 100, amount: 1500000 },
  { n: null, list: [null, { x: null }, [null]], text: 'null' },
  { text: 'a: null, "1": 0.0000001 and 1000000000000000000000000', key: { '": ': ', "' } },
  {}, { empty: {}, none: [] },
  { 'k"ey\\': 'v\u0001\u001f\u007f\u2028 🚀', ключ: 'значение', '👩‍💻': ['\\', '"', '\n\r\t\b\f'] },
  { deep: { a: { b: { c: { d: [1, [2, [3, { e: 'f' }]]] } } } } },
  { flag: true, other: false, mixed: [true, false, null, 0, '', 'x'] },
  // Not objects: ingest refuses them, but the store takes what it is given.
  ...([-5, -1e-7, [1, 2], true, 'a string'] as unknown as JsonObject[]),
];


// Every kind of value the API accepts, hostile strings in every text field: what the database must
// write exactly as canonicalText writes it, when it writes canonical texts for verification.
const objectDetails = AWKWARD_DETAILS.filter((d) => typeof d === 'object' && d !== null && !Array.isArray(d));
export const AWKWARD_EVENTS: Partial<NewEvent>[] = [
  ...HOSTILE_STRINGS.map((value, i) => ({
    id: `${value}#${i}`,
    action: value === '' ? 'x' : value,
    category: value === '' ? 'custom' : value,
    actor: { id: value, type: value, email: value, name: value, role: value },
    target: { type: value, id: value, name: value, slug: value, version: value, url: value },
    context: { ip: value, user_agent: value, location: value, request_id: value, session_id: value, api_key_id: value, method: value, url: value, http_status: 100 + i },
    geo: { country: value },
    ...(i % 3 === 0 ? {} : { success: i % 3 === 1 }),
    details: { note: value, [value]: [value, null, 1.5, -2, true], nested: { deep: value } },
  })),
  ...objectDetails.map((details) => ({ details })),
  { occurred_at: '1970-01-01T00:00:00.000Z', received_at: '9999-12-31T23:59:59.999Z' },
  { actor: { role: 'only a role' }, context: { http_status: 0 }, success: false, details: {} },
];
