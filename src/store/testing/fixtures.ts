// Small builders for store-level tests: events as the ingest path would hand them to the store.

import { createHash } from 'node:crypto';
import type { NewEvent } from '../../domain/event.js';
import { categoryOf } from '../../domain/actions.js';
import { uuidv7 } from '../../domain/ids.js';
import type { PendingEvent } from '../port.js';

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
