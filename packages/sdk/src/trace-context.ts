// The request an event is recorded in: the middleware (or runInRequest) remembers the W3C
// `traceparent` of the incoming request for everything its handler does, so record() can put the
// trace id into `context.request_id` without the application passing it along.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestScope {
  /** The trace id of the request's W3C traceparent (32 lower-case hex digits), when it had a valid one. */
  traceId?: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

// W3C Trace Context §3.2: version-traceid-parentid-flags, lower-case hex; an all-zero trace id or
// parent id is invalid, and so is version ff. Later versions may append fields after a dash.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The trace id of a traceparent header, or undefined when it is absent or not valid. */
export function traceIdOf(traceparent: string | string[] | undefined): string | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  return traceId;
}

/** Runs `work` with the request's trace id visible to record() in everything it does. */
export function runInRequest<T>(headers: Readonly<Record<string, string | string[] | undefined>>, work: () => T): T {
  const traceId = traceIdOf(headers.traceparent);
  return scope.run(traceId === undefined ? {} : { traceId }, work);
}

/** The trace id of the request being handled, if any. */
export function currentTraceId(): string | undefined {
  return scope.getStore()?.traceId;
}
