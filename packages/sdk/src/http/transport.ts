// HTTP to one Stele server: JSON requests over keep-alive connections (node:http or node:https,
// nothing else), the API key as a bearer token, Stele's error body turned into SteleApiError, and
// a network failure or a timeout into SteleUnreachableError. The delivery and the read client both
// go through it.

import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { VERSION } from '../version.js';

export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined | null;
export type Query = Record<string, QueryValue>;

export interface TransportOptions {
  /** Stele's base URL, e.g. https://audit.example.com */
  url: string;
  /** An API key (or the instance admin token), sent as `Authorization: Bearer`. */
  apiKey: string;
  /** How long one request may take before it counts as failed (default 30 s). */
  timeoutMs?: number;
  /** At most this many connections at once (default 8). */
  maxSockets?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Stele answered with an error: status, Stele's error code and message, and the details naming each bad field. */
export class SteleApiError extends Error {
  override readonly name = 'SteleApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly { index?: number; field?: string; message: string }[] = [],
    /** Retry-After of the answer, in ms, when it had one. */
    readonly retryAfter?: string,
  ) {
    super(message);
  }
}

/** No answer: the connection failed, broke, or the request timed out. */
export class SteleUnreachableError extends Error {
  override readonly name = 'SteleUnreachableError';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}

export interface Transport {
  readonly url: string;
  /** A request; resolves with any status (only a failure to get an answer rejects). */
  request(method: string, path: string, options?: { query?: Query; body?: string; signal?: AbortSignal }): Promise<HttpResponse>;
  /** A JSON request; a status of 300 or more rejects with SteleApiError. */
  json<T>(method: string, path: string, options?: { query?: Query; body?: unknown; signal?: AbortSignal }): Promise<T>;
  /** A GET whose body is read as a stream (exports); a status of 300 or more rejects with SteleApiError. */
  stream(path: string, options?: { query?: Query; signal?: AbortSignal }): Promise<IncomingMessage>;
  /** Closes idle connections. */
  close(): void;
}

/** `?a=1&b=x&b=y` from a query object; undefined and null members are left out, arrays repeat. */
export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
    else params.append(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The SteleApiError an error answer stands for. */
export function apiErrorOf(response: HttpResponse): SteleApiError {
  let error: { code?: unknown; message?: unknown; details?: unknown } | undefined;
  try {
    error = (JSON.parse(response.body) as { error?: typeof error }).error;
  } catch {
    // Not Stele's error shape (a proxy's page, say): the status says enough.
  }
  const retryAfter = typeof response.headers['retry-after'] === 'string' ? response.headers['retry-after'] : undefined;
  return new SteleApiError(
    response.status,
    typeof error?.code === 'string' ? error.code : `http_${response.status}`,
    typeof error?.message === 'string' ? error.message : `Stele answered ${response.status}`,
    Array.isArray(error?.details) ? (error.details as SteleApiError['details']) : [],
    retryAfter,
  );
}

export function createTransport(options: TransportOptions): Transport {
  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`url must be http:// or https:// (got ${options.url})`);
  const basePath = base.pathname.replace(/\/+$/, '');
  const module = base.protocol === 'https:' ? https : http;
  const agent = new module.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 8 });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const headers = { authorization: `Bearer ${options.apiKey}`, 'user-agent': `stele-sdk/${VERSION} node/${process.versions.node}`, accept: 'application/json' };

  function open(method: string, path: string, query: Query | undefined, body: string | undefined, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const request = module.request({
        protocol: base.protocol, hostname: base.hostname, port: base.port, agent, method,
        path: `${basePath}${path}${queryString(query)}`,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
        ...(signal && { signal }),
      });
      request.once('response', resolve);
      request.once('timeout', () => request.destroy(new SteleUnreachableError(`no answer from ${base.origin} within ${timeoutMs} ms`)));
      request.once('error', (error) => {
        if (signal?.aborted) reject(signal.reason);
        else reject(error instanceof SteleUnreachableError ? error : new SteleUnreachableError(`cannot reach Stele at ${base.origin}: ${error.message}`, error));
      });
      request.end(body);
    });
  }

  async function request(method: string, path: string, { query, body, signal }: { query?: Query; body?: string; signal?: AbortSignal } = {}): Promise<HttpResponse> {
    const response = await open(method, path, query, body, signal);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of response) chunks.push(chunk as Buffer);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new SteleUnreachableError(`the answer from ${base.origin} broke off: ${(error as Error).message}`, error);
    }
    return { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') };
  }

  return {
    url: base.origin + basePath,
    request,
    async json<T>(method: string, path: string, { query, body, signal }: { query?: Query; body?: unknown; signal?: AbortSignal } = {}) {
      const response = await request(method, path, { query, ...(body !== undefined && { body: JSON.stringify(body) }), ...(signal && { signal }) });
      if (response.status >= 300) throw apiErrorOf(response);
      return (response.body === '' ? undefined : JSON.parse(response.body)) as T;
    },
    async stream(path, { query, signal } = {}) {
      const response = await open('GET', path, query, undefined, signal);
      if ((response.statusCode ?? 0) >= 300) {
        const chunks: Buffer[] = [];
        for await (const chunk of response) chunks.push(chunk as Buffer);
        throw apiErrorOf({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
      }
      return response;
    },
    close: () => agent.destroy(),
  };
}
