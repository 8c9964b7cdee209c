// One HTTP request to a receiver, with a time limit, returning the status, the headers and the
// body (bounded), or the network failure in words: the one client of every request Stele sends
// (streams, alert and report notifications, the checkpoint webhook, witnesses). Redirects are
// answers, never followed. `answerOf` turns an HTTP answer into a
// ReceiverAnswer by the usual rule (2xx is accepted; anything else is not, with the receiver's
// Retry-After); destinations refine it.
//
// node:http and node:https with keep-alive agents, not fetch: a stream sends up to 1 MB a
// request, many a second, and fetch (WHATWG streams over undici) copies the body and costs about
// three times the CPU for it (a 300 KB POST on loopback, client and receiver together: 1.2–1.4 ms
// of CPU with fetch, 0.37–0.43 ms with node:http, 2026-12-07).

import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { retryAfterMs } from '../background/backoff.js';

// Connections to a receiver are kept between batches.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

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
  /** As Node reads them: names in lower case. */
  headers: IncomingHttpHeaders;
  /** The body as text, cut at `maxBodyBytes`. */
  text: string;
}

export interface HttpRequest {
  method?: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string | Uint8Array;
  /** Ends the request early (a stream stopping); the time limit applies either way. */
  signal?: AbortSignal;
  timeoutMs: number;
  /** How much of the answer to read (default 1 MiB; Elastic's item list can be long). */
  maxBodyBytes?: number;
}

const EXCERPT = 1000;
export const excerpt = (text: string): string => (text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text);

/** A reused keep-alive connection was found closed before any answer came. */
class StaleConnection extends Error {
  constructor(override readonly cause: NodeJS.ErrnoException) {
    super(cause.message);
  }
}

/** Sends the request; throws (with a readable message) only when no HTTP answer came. */
export async function httpRequest(url: string, request: HttpRequest): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  try {
    const target = new URL(url);
    // A kept-alive connection the receiver closed while it was idle fails the first write: sent
    // again on a new connection, as Node's documentation advises (the receiver read nothing of it).
    return await send(target, request, signal).catch((error: unknown) => {
      if (error instanceof StaleConnection) return send(target, request, signal);
      throw error;
    });
  } catch (error) {
    if (timeout.aborted && !request.signal?.aborted) throw new Error(`no answer within ${request.timeoutMs} ms`);
    throw new Error(networkMessage(error));
  }
}

/** The request on the wire (redirects are answers, not followed); the answer's body read up to maxBodyBytes. */
function send(url: URL, request: HttpRequest, signal: AbortSignal): Promise<HttpAnswer> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new Error(`unsupported protocol ${url.protocol}`));
  const max = request.maxBodyBytes ?? 1 << 20;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let answered = false;
    const outgoing = client.request(url, {
      method: request.method ?? 'POST', signal, agent: agents[url.protocol as keyof typeof agents],
      headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
    }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).subarray(0, max).toString('utf8') });
      response.on('data', (chunk: Buffer) => {
        if (size >= max) return;
        chunks.push(chunk);
        size += chunk.length;
        // Enough read: the rest is not wanted, and the connection is not reused.
        if (size >= max) {
          response.destroy();
          done();
        }
      });
      response.on('end', done);
      response.on('error', reject);
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      reject(outgoing.reusedSocket && error.code === 'ECONNRESET' && !answered ? new StaleConnection(error) : error);
    });
    outgoing.end(request.body);
  });
}

/** A network failure in words: the error's own message (ECONNREFUSED, a TLS failure, a reset), with its code. */
export function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  const message = cause?.message ?? (error as Error).message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** One header's value (the first, when it was sent more than once), or null. */
const headerOf = (headers: IncomingHttpHeaders, name: string): string | null => {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
};

/** The usual reading: 2xx accepted, anything else refused (with Retry-After when given). */
export function answerOf(http: HttpAnswer, now: number = Date.now()): ReceiverAnswer {
  const body = excerpt(http.text);
  if (http.status >= 200 && http.status < 300) return { ok: true, status: http.status, body };
  const retryAfter = retryAfterMs(headerOf(http.headers, 'retry-after'), now);
  return {
    ok: false, status: http.status, body, error: `HTTP ${http.status}${body ? `: ${body.slice(0, 200)}` : ''}`,
    ...(retryAfter !== undefined && { retryAfterMs: retryAfter }),
  };
}

/** A request that got no HTTP answer at all. */
export const unreachable = (error: unknown): ReceiverAnswer => ({ ok: false, error: (error as Error).message });

/** Sends and reads with `answerOf`, or reports the network failure. */
export async function post(url: string, request: HttpRequest, now?: number): Promise<ReceiverAnswer> {
  try {
    return answerOf(await httpRequest(url, request), now);
  } catch (error) {
    return unreachable(error);
  }
}
