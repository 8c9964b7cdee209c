// The event an API call becomes (seed 001): who (a hook maps the request to an actor), method,
// url, route, status, request id, ip, user agent, when it started and ended and how long it took,
// and the request's and response's fields: those on the allow-list as they are, every other one
// present with the value "[redacted]", so the shape of what was sent is kept and not its content.
// Shared by the Express, Fastify and node:http middleware, which only gather these facts.

import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Actor, Target } from '@stele/integrity';
import type { AuditEvent } from '../event.js';
import { traceIdOf } from '../trace-context.js';

export const REDACTED = '[redacted]';
/** The action of an API call event (seed taxonomy `api.request`). */
export const API_CALL_ACTION = 'api.request';

/** Which request and response fields are kept; names and dotted paths (`user.email`) into the body. */
export interface AllowList {
  query?: readonly string[];
  requestHeaders?: readonly string[];
  requestBody?: readonly string[];
  responseHeaders?: readonly string[];
  responseBody?: readonly string[];
}

export interface ApiCallOptions<Request, Response> {
  /** Who made the call, from your authentication (e.g. `req.user`); absent when unknown. */
  actor?: (request: Request) => Actor | undefined;
  /** What the call was about (e.g. the resource of the route); absent by default. */
  target?: (request: Request, response: Response) => Target | undefined;
  /** Calls not to record (health checks, static files). */
  skip?: (request: Request) => boolean;
  /** Fields kept as they are; every other field is "[redacted]". Nothing is kept by default. */
  allow?: AllowList;
  /** The action recorded (default `api.request`). */
  action?: string;
  /** Told when an event could not be recorded (say, the buffer is full and the policy is throw). */
  onError?: (error: unknown) => void;
}

/** What a middleware knows of one call when the response has gone. */
export interface ApiCallFacts {
  method: string;
  /** The path and query string as received. */
  url: string;
  /** The route pattern that matched (`/users/:id`), when the framework says. */
  route?: string;
  status: number;
  ip?: string;
  requestHeaders: IncomingHttpHeaders;
  responseHeaders: OutgoingHttpHeaders;
  query?: unknown;
  requestBody?: unknown;
  responseBody?: unknown;
  startedAt: number;
  endedAt: number;
  /** The client went away before the response was complete. */
  aborted?: boolean;
}

// Stele's limits on context strings (STELE_MAX_STRING_LENGTH, STELE_MAX_LONG_STRING_LENGTH defaults)
// and on details (64 KiB): an event past them would be refused, and lost.
const SHORT = 1024;
const LONG = 8192;
const MAX_PART_BYTES = 16 * 1024;

const clip = (text: string | undefined, max: number): string | undefined =>
  text === undefined || text === '' ? undefined : text.length <= max ? text : text.slice(0, max);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);

/**
 * `value` with every member not on the allow-list replaced by "[redacted]". `allowed` holds
 * dotted paths: a listed path keeps its whole value, a listed path below a member keeps that
 * member's structure with the same rule applied inside.
 */
export function redact(value: unknown, allowed: ReadonlySet<string>, prefix = ''): unknown {
  if (!isPlainObject(value)) return REDACTED; // a body that is not an object (text, a list) has no fields to allow
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const path = `${prefix}${key}`;
    if (allowed.has(path)) out[key] = member;
    else if (isPlainObject(member) && [...allowed].some((p) => p.startsWith(`${path}.`))) out[key] = redact(member, allowed, `${path}.`);
    else out[key] = REDACTED;
  }
  return out;
}

const lowerCased = (names: readonly string[] | undefined) => new Set((names ?? []).map((n) => n.toLowerCase()));

/** The url with the values of query parameters off the allow-list redacted. */
function redactedUrl(url: string, allowedQuery: ReadonlySet<string>): string {
  const mark = url.indexOf('?');
  if (mark === -1) return url;
  const params = new URLSearchParams(url.slice(mark + 1));
  const kept = [...params].map(([name, value]) => `${encodeURIComponent(name)}=${allowedQuery.has(name) ? encodeURIComponent(value) : REDACTED}`);
  return `${url.slice(0, mark)}?${kept.join('&')}`;
}

function bounded(part: Record<string, unknown>): Record<string, unknown> | string {
  const size = Buffer.byteLength(JSON.stringify(part) ?? '');
  return size <= MAX_PART_BYTES ? part : `[${size} bytes: too large to record]`;
}

/** Reads a JSON body as sent (Fastify hands over the serialised payload); anything else stays unread. */
export function parsedBody(body: unknown): unknown {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return body;
}

/** The audit event of one API call. */
export function apiCallEvent<Request, Response>(facts: ApiCallFacts, request: Request, response: Response, options: ApiCallOptions<Request, Response>): AuditEvent {
  const allow = options.allow ?? {};
  const queryAllowed = new Set(allow.query ?? []);
  const requestPart: Record<string, unknown> = { headers: redact(facts.requestHeaders, lowerCased(allow.requestHeaders)) };
  if (facts.query !== undefined && isPlainObject(facts.query) && Object.keys(facts.query).length > 0) requestPart.query = redact(facts.query, queryAllowed);
  if (facts.requestBody !== undefined && facts.requestBody !== null && facts.requestBody !== '') requestPart.body = redact(facts.requestBody, new Set(allow.requestBody ?? []));
  const responsePart: Record<string, unknown> = { headers: redact(facts.responseHeaders, lowerCased(allow.responseHeaders)) };
  if (facts.responseBody !== undefined && facts.responseBody !== null && facts.responseBody !== '') responsePart.body = redact(facts.responseBody, new Set(allow.responseBody ?? []));

  const header = (name: string) => {
    const value = facts.requestHeaders[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const requestId = traceIdOf(facts.requestHeaders.traceparent) ?? clip(header('x-request-id'), SHORT);
  const actor = options.actor?.(request);
  const target = options.target?.(request, response);
  const context: NonNullable<AuditEvent['context']> = { method: facts.method, http_status: facts.status };
  const url = clip(redactedUrl(facts.url, queryAllowed), LONG);
  if (url !== undefined) context.url = url;
  const ip = clip(facts.ip, SHORT);
  if (ip !== undefined) context.ip = ip;
  const userAgent = clip(header('user-agent'), LONG);
  if (userAgent !== undefined) context.user_agent = userAgent;
  if (requestId !== undefined) context.request_id = requestId;
  return {
    action: options.action ?? API_CALL_ACTION,
    occurred_at: new Date(facts.startedAt).toISOString(),
    ...(actor && { actor }),
    ...(target && { target }),
    context,
    success: facts.status < 400 && !facts.aborted,
    details: {
      ...(facts.route !== undefined && { route: facts.route }),
      started_at: new Date(facts.startedAt).toISOString(),
      ended_at: new Date(facts.endedAt).toISOString(),
      duration_ms: facts.endedAt - facts.startedAt,
      ...(facts.aborted && { aborted: true }),
      request: bounded(requestPart),
      response: bounded(responsePart),
    },
  };
}

/** Calls `end` once: when the response is complete, or when the client goes away first (aborted). */
export function whenResponseEnds(response: ServerResponse, end: (aborted: boolean) => void): void {
  let done = false;
  const once = (aborted: boolean) => {
    if (done) return;
    done = true;
    end(aborted);
  };
  response.once('finish', () => once(false));
  response.once('close', () => once(!response.writableFinished));
}

/** Records the call, never throwing into the server's response handling. */
export function recordApiCall<Request, Response>(
  record: (event: AuditEvent) => void | Promise<void>, facts: ApiCallFacts, request: Request, response: Response, options: ApiCallOptions<Request, Response>,
): void {
  try {
    const pending = record(apiCallEvent(facts, request, response, options));
    if (pending) pending.catch((error: unknown) => options.onError?.(error));
  } catch (error) {
    options.onError?.(error);
  }
}
