// What record() takes, and how it becomes the event that is sent: a client id and the time are set
// at once (so a resend is recognised, and a buffered event keeps the time it happened), and the
// trace id of the request being handled goes into context.request_id.

import type { Actor, EventContext, JsonObject, StoredEvent, Target } from '@stele/integrity';
import { isoNow, uuidv7 } from './ids.js';
import { currentTraceId } from './trace-context.js';

export type { Actor, EventContext, JsonObject, StoredEvent, Target };

/** An audit event as an application records it (Stele's event model; see the README). */
export interface AuditEvent {
  /** What happened, e.g. `member.role_changed` or `login.failed`. */
  action: string;
  /** Your id for the event; one is made when absent. A resend with the same id is stored once. */
  id?: string;
  /** When it happened (RFC 3339 or a Date); the time of the record() call when absent. */
  occurred_at?: string | Date;
  actor?: Actor;
  target?: Target;
  context?: EventContext;
  success?: boolean;
  /** Free-form facts about the event (JSON: no functions, NaN or undefined inside). */
  details?: Record<string, unknown>;
}

/** An event as it is sent: id and occurred_at always set. */
export interface PreparedEvent extends Omit<AuditEvent, 'occurred_at'> {
  id: string;
  occurred_at: string;
}

/**
 * The event to send for `input`. A shallow copy: the actor, target, context and details objects
 * are sent as they are when the batch leaves, so do not change them after record().
 */
export function prepareEvent(input: AuditEvent): PreparedEvent {
  if (typeof input !== 'object' || input === null || typeof input.action !== 'string' || input.action === '') {
    throw new TypeError('record() needs an event with an action, e.g. { action: "login.failed" }');
  }
  const now = Date.now();
  const event: PreparedEvent = {
    ...input,
    id: input.id ?? uuidv7(now),
    occurred_at: input.occurred_at === undefined ? isoNow(now) : input.occurred_at instanceof Date ? input.occurred_at.toISOString() : input.occurred_at,
  };
  if (input.context?.request_id === undefined) {
    const traceId = currentTraceId();
    if (traceId !== undefined) event.context = { ...input.context, request_id: traceId };
  }
  return event;
}
