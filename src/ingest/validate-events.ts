// Turns the body of POST /v1/events into normalised events, or one SteleError naming every bad
// event by index and field. Nothing is stored unless the whole batch is valid.

import type { Limits } from '../config.js';
import type { EventContext, JsonObject, ValidEvent } from '../domain/event.js';
import { SteleError, type ErrorDetail } from '../domain/errors.js';
import { formatJsonPath, inspectJsonValue, textProblem } from '../domain/i-json.js';
import { ipToBytes } from '../domain/ip.js';
import { parseRfc3339 } from '../domain/rfc3339.js';

export type { ValidEvent };

const TOP_LEVEL = new Set(['id', 'action', 'occurred_at', 'actor', 'target', 'context', 'success', 'details']);
const ACTOR_FIELDS = ['id', 'type', 'email', 'name', 'role'] as const;
const TARGET_FIELDS = ['type', 'id', 'name', 'slug', 'version', 'url'] as const;
const CONTEXT_STRING_FIELDS = ['ip', 'user_agent', 'location', 'request_id', 'session_id', 'api_key_id', 'method', 'url'] as const;
const LONG_FIELDS = new Set(['user_agent', 'url']);
/**
 * The UTF-8 size of a value that a B-tree index holds beside tenant_id (a 36-byte UUID) and two
 * bigints. PostgreSQL refuses an index row over 2,704 bytes (a third of an 8 KiB page, less
 * overhead); 2,048 bytes leaves about 580 to spare. A character limit is no bound here: 1,024 CJK
 * characters are 3,072 bytes. Both engines refuse the same, so an event valid on one is valid on
 * the other. (`id` is 128 UTF-16 units, at most 384 bytes; `action` is ASCII.)
 */
export const MAX_INDEXED_BYTES = 2048;
const INDEXED_FIELDS = new Set(['actor.id', 'actor.email', 'target.id']);
/** `actor.id` and the like, made once rather than for every field of every event. */
const FIELD_PATHS: Record<string, Record<string, string>> = Object.fromEntries(
  ([['actor', ACTOR_FIELDS], ['target', TARGET_FIELDS], ['context', CONTEXT_STRING_FIELDS]] as const)
    .map(([name, fields]) => [name, Object.fromEntries(fields.map((field) => [field, `${name}.${field}`]))]),
);
const ACTION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/** Why `action` cannot name an action, or undefined when it can (also the rule for event type names). */
export function actionProblem(action: string): string | undefined {
  if (action.length === 0 || action.length > 128) return 'must have 1 to 128 characters';
  if (!ACTION_PATTERN.test(action)) return 'may contain only letters, digits and . _ : / - and must start with a letter or digit';
  return undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

class Collector {
  readonly details: ErrorDetail[] = [];
  constructor(readonly index: number) {}
  add(field: string, message: string): void {
    this.details.push({ index: this.index, field, message });
  }
}

function validString(c: Collector, field: string, value: unknown, maxLength: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return void c.add(field, 'must be a string');
  if (value.length === 0) return void c.add(field, 'must not be empty (omit it instead)');
  if (value.length > maxLength) return void c.add(field, `must be at most ${maxLength} characters`);
  const problem = textProblem(value);
  if (problem !== undefined) return void c.add(field, problem);
  return value;
}

/**
 * An object of string fields (`also`: a field of another kind its caller checks, not unknown here).
 * Every event has three such objects: nothing is built for a field it does not have.
 */
function validObject<K extends string>(
  c: Collector, name: string, value: unknown, fields: readonly K[], limits: Limits, also?: string,
): Partial<Record<K, string>> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) return void c.add(name, 'must be an object');
  const out: Partial<Record<K, string>> = {};
  let kept = 0;
  for (const key of Object.keys(value)) {
    if (!(fields as readonly string[]).includes(key) && key !== also) c.add(`${name}.${key}`, `unknown field; allowed: ${[...fields, ...(also ? [also] : [])].join(', ')}`);
  }
  for (const field of fields) {
    if (value[field] === undefined || value[field] === null) continue;
    const path = FIELD_PATHS[name]?.[field] ?? `${name}.${field}`;
    const max = LONG_FIELDS.has(field) ? limits.maxLongStringLength : limits.maxStringLength;
    const v = validString(c, path, value[field], max);
    if (v === undefined) continue;
    const bytes = INDEXED_FIELDS.has(path) ? Buffer.byteLength(v, 'utf8') : 0;
    if (bytes > MAX_INDEXED_BYTES) c.add(path, `is ${bytes} bytes of UTF-8; at most ${MAX_INDEXED_BYTES} are allowed (the field is indexed)`);
    else {
      out[field] = v;
      kept += 1;
    }
  }
  return kept > 0 ? out : undefined;
}

function validContext(c: Collector, value: unknown, limits: Limits): EventContext | undefined {
  if (value === undefined || value === null) return undefined;
  const context: EventContext = validObject(c, 'context', value, CONTEXT_STRING_FIELDS, limits, 'http_status') ?? {};
  const status = isPlainObject(value) ? value.http_status : undefined;
  if (isPlainObject(value) && 'http_status' in value && status !== null) {
    if (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 599) c.add('context.http_status', 'must be an integer from 100 to 599');
    else context.http_status = status as number;
  }
  if (context.ip !== undefined && !ipToBytes(context.ip)) c.add('context.ip', 'must be an IPv4 or IPv6 address');
  return Object.keys(context).length > 0 ? context : undefined;
}

// Stored as UTC with exactly three fraction digits: the same instant, so a sender that writes
// its own times that way hashes exactly what is stored (README, "What is stored is what you sent").
function validOccurredAt(c: Collector, value: unknown, now: number, limits: Limits): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return void c.add('occurred_at', 'must be a string such as 2026-05-01T12:00:00.123Z');
  const time = parseRfc3339(value);
  if (!time.ok) return void c.add('occurred_at', time.reason);
  if (time.subMillisecond) {
    return void c.add('occurred_at', 'has digits beyond milliseconds, which are not stored; round to milliseconds (trailing zeros are fine)');
  }
  if (time.ms < 0) return void c.add('occurred_at', 'is before 1970-01-01T00:00:00Z');
  if (time.ms > now + limits.maxClockSkewMs) {
    return void c.add('occurred_at', `is more than ${limits.maxClockSkewMs / 1000} s in the future (check the sender's clock)`);
  }
  // Already the stored form (UTC, T and Z upper case, three fraction digits: what Stele's SDK and
  // toISOString write)? Then it is that text, checked above field by field; no need to write it again.
  if (value.length === 24 && value[10] === 'T' && value[19] === '.' && value[23] === 'Z') return value;
  return new Date(time.ms).toISOString();
}

function validDetails(c: Collector, value: unknown, limits: Limits): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) return void c.add('details', 'must be an object');
  const { problem } = inspectJsonValue(value, limits.maxJsonDepth);
  if (problem) return void c.add(formatJsonPath(['details', ...problem.path]), problem.message);
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > limits.maxDetailsBytes) return void c.add('details', `is ${bytes} bytes; at most ${limits.maxDetailsBytes} are allowed`);
  return value as JsonObject;
}

function validEvent(raw: unknown, index: number, now: number, limits: Limits): { event?: ValidEvent; details: ErrorDetail[] } {
  const c = new Collector(index);
  if (!isPlainObject(raw)) return c.add('', 'each event must be a JSON object'), { details: c.details };
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL.has(key)) c.add(key, `unknown field; allowed: ${[...TOP_LEVEL].join(', ')} (put free-form data in details)`);
  }
  const id = validString(c, 'id', raw.id, 128);
  const action = validString(c, 'action', raw.action, 128);
  if (raw.action === undefined || raw.action === null) c.add('action', 'is required');
  else if (action !== undefined) {
    const problem = actionProblem(action);
    if (problem) c.add('action', problem);
  }
  if (id !== undefined && /[\u0000-\u001f\u007f]/.test(id)) c.add('id', 'must not contain control characters');
  if (raw.success !== undefined && raw.success !== null && typeof raw.success !== 'boolean') c.add('success', 'must be true or false');
  const event: ValidEvent = {
    ...(id !== undefined && { id }),
    action: action ?? '',
  };
  const occurredAt = validOccurredAt(c, raw.occurred_at, now, limits);
  const actor = validObject(c, 'actor', raw.actor, ACTOR_FIELDS, limits);
  const target = validObject(c, 'target', raw.target, TARGET_FIELDS, limits);
  const context = validContext(c, raw.context, limits);
  const details = validDetails(c, raw.details, limits);
  if (occurredAt !== undefined) event.occurred_at = occurredAt;
  if (actor) event.actor = actor;
  if (target) event.target = target;
  if (context) event.context = context;
  if (typeof raw.success === 'boolean') event.success = raw.success;
  if (details) event.details = details;
  return c.details.length > 0 ? { details: c.details } : { event, details: [] };
}

/** Validates a request body (one event or an array). Throws invalid_event / payload_too_large. */
export function validateEvents(body: unknown, limits: Limits, now = Date.now()): ValidEvent[] {
  const batch = Array.isArray(body) ? body : [body];
  if (batch.length === 0) throw new SteleError('invalid_event', 'The batch is empty; send one event or an array of up to ' + limits.maxBatchSize);
  if (batch.length > limits.maxBatchSize) {
    throw new SteleError('payload_too_large', `A batch holds at most ${limits.maxBatchSize} events; this one has ${batch.length}.`);
  }
  const results = batch.map((raw, index) => validEvent(raw, index, now, limits));
  const details = results.flatMap((r) => r.details);
  const seen = new Map<string, number>();
  results.forEach((r, index) => {
    const id = r.event?.id;
    if (id === undefined) return;
    const first = seen.get(id);
    if (first !== undefined) details.push({ index, field: 'id', message: `repeats the id of event ${first} in the same batch` });
    else seen.set(id, index);
  });
  if (details.length > 0) {
    const bad = new Set(details.map((d) => d.index)).size;
    throw new SteleError('invalid_event', `${bad} of ${batch.length} events are invalid; nothing was stored.`, details);
  }
  return results.map((r) => r.event!);
}
