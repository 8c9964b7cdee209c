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

/** An event in the queue: occurred_at set when it was recorded; its id is given when its batch forms. */
export interface QueuedEvent extends Omit<AuditEvent, 'occurred_at'> {
  occurred_at: string;
}

/** An event as it is sent: id and occurred_at always set. */
export interface PreparedEvent extends QueuedEvent {
  id: string;
}

const FIELDS = new Set(['action', 'id', 'occurred_at', 'actor', 'target', 'context', 'success', 'details']);

/**
 * The event to queue for `input`, made on every record() call, so it is cheap: a copy of the same
 * shape each time (absent fields are undefined, which JSON leaves out), the time of the call when
 * the event has none, and the trace id of the request being handled. A shallow copy: the actor,
 * target, context and details objects are sent as they are when the batch leaves, so do not
 * change them after record(). An unknown member is kept (Stele refuses it, by name).
 */
export function prepareEvent(input: AuditEvent): QueuedEvent {
  if (typeof input !== 'object' || input === null || typeof input.action !== 'string' || input.action === '') {
    throw new TypeError('record() needs an event with an action, e.g. { action: "login.failed" }');
  }
  const context = tracedContext(input.context);
  for (const name in input) {
    if (!FIELDS.has(name)) return { ...input, occurred_at: occurredAt(input.occurred_at), ...(context && { context }) };
  }
  return {
    action: input.action, id: input.id, occurred_at: occurredAt(input.occurred_at),
    actor: input.actor, target: input.target, context: context ?? input.context, success: input.success, details: input.details,
  };
}

const occurredAt = (value: string | Date | undefined): string =>
  value === undefined ? isoNow() : value instanceof Date ? value.toISOString() : value;

/** The context with the current request's trace id as request_id; undefined when that changes nothing. */
function tracedContext(context: AuditEvent['context']): AuditEvent['context'] | undefined {
  if (context?.request_id !== undefined) return undefined;
  const traceId = currentTraceId();
  return traceId === undefined ? undefined : { ...context, request_id: traceId };
}

/** Gives each event without an id a new one, as its batch forms: from then on its resends carry it. */
export function withIds(events: QueuedEvent[]): PreparedEvent[] {
  for (const event of events) event.id ??= uuidv7();
  return events as PreparedEvent[];
}
