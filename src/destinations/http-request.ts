// One HTTP request to a receiver, with a time limit, returning the status, the headers and the
// body (bounded), or the network failure in words. Connections are kept alive between batches by
// Node's fetch. `answerOf` turns an HTTP answer into a ReceiverAnswer by the usual rule (2xx is
// accepted; anything else is not, with the receiver's Retry-After); destinations refine it.

import { retryAfterMs } from '../background/backoff.js';

/** What a receiver said to one request. A client never throws for a receiver's failure: it says so here. */
export interface ReceiverAnswer {
  /** True when the receiver accepted every event of the request. */
  ok: boolean;
  /** The HTTP status, when the protocol has one. */
  status?: number;
  /** The start of the receiver's answer, for people (at most 1,000 characters). */
  body?: string;
  /** Why it failed, in words. */
  error?: string;
  /**
   * When not ok: how many events from the start of the request the receiver did accept (Elastic
   * answers item by item), so the cursor can move past them and order is kept.
   */
  acceptedPrefix?: number;
  /** The receiver asked to be left alone this long (Retry-After). */
  retryAfterMs?: number;
  /** The receiver said the destination is gone for good (a webhook's 410): the stream is disabled. */
  disable?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The body as text, cut at `maxBodyBytes`. */
  text: string;
}

export interface HttpRequest {
  method?: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string | Uint8Array;
  signal: AbortSignal;
  timeoutMs: number;
  /** How much of the answer to read (default 1 MiB; Elastic's item list can be long). */
  maxBodyBytes?: number;
}

const EXCERPT = 1000;
export const excerpt = (text: string): string => (text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text);

async function readBounded(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      if (size >= max) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** Sends the request; throws (with a readable message) only when no HTTP answer came. */
export async function httpRequest(url: string, request: HttpRequest): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = AbortSignal.any([request.signal, timeout]);
  try {
    const response = await fetch(url, { method: request.method ?? 'POST', headers: request.headers, body: request.body as BodyInit, signal, redirect: 'manual' });
    return { status: response.status, headers: response.headers, text: await readBounded(response, request.maxBodyBytes ?? 1 << 20) };
  } catch (error) {
    if (timeout.aborted && !request.signal.aborted) throw new Error(`no answer within ${request.timeoutMs} ms`);
    throw new Error(networkMessage(error));
  }
}

/** fetch's "fetch failed" hides the reason in `cause`: ECONNREFUSED, a TLS failure, a reset. */
export function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  const message = cause?.message ?? (error as Error).message ?? String(error);
  return cause?.code && !message.includes(cause.code) ? `${cause.code}: ${message}` : message;
}

/** The usual reading: 2xx accepted, anything else refused (with Retry-After when given). */
export function answerOf(http: HttpAnswer, now: number = Date.now()): ReceiverAnswer {
  const body = excerpt(http.text);
  if (http.status >= 200 && http.status < 300) return { ok: true, status: http.status, body };
  const retryAfter = retryAfterMs(http.headers.get('retry-after'), now);
  return {
    ok: false, status: http.status, body, error: `HTTP ${http.status}${body ? `: ${body.slice(0, 200)}` : ''}`,
    ...(retryAfter !== undefined && { retryAfterMs: retryAfter }),
  };
}

/** A request that got no HTTP answer at all. */
export const unreachable = (error: unknown): ReceiverAnswer => ({ ok: false, error: (error as Error).message });

/** Sends and reads with `answerOf`, or reports the network failure. */
export async function post(url: string, request: HttpRequest): Promise<ReceiverAnswer> {
  try {
    return answerOf(await httpRequest(url, request));
  } catch (error) {
    return unreachable(error);
  }
}
