// For a plain node:http server: wraps the request handler so every call is an event (api-call.ts).
// Node gives no route and no parsed body: `route` can name the route, and the request's fields
// are its query string.
//
//   http.createServer(withApiAudit(audit, handler, { actor: (req) => ... }))

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditEvent } from '../event.js';
import { runInRequest } from '../trace-context.js';
import { recordApiCall, whenResponseEnds, type ApiCallOptions } from './api-call.js';

type Recorder = { record(event: AuditEvent): void | Promise<void> };

export interface NodeHttpOptions extends ApiCallOptions<IncomingMessage, ServerResponse> {
  /** The route pattern a request matched, when the application knows it. */
  route?: (request: IncomingMessage) => string | undefined;
}

export function withApiAudit<Request extends IncomingMessage, Response extends ServerResponse>(
  audit: Recorder, handler: (request: Request, response: Response) => void, options: NodeHttpOptions = {},
): (request: Request, response: Response) => void {
  return (request, response) => {
    if (options.skip?.(request)) return handler(request, response);
    const startedAt = Date.now();
    const url = request.url ?? '';
    whenResponseEnds(response, (aborted) => {
      const route = options.route?.(request);
      const query = Object.fromEntries(new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''));
      recordApiCall(audit.record.bind(audit), {
        method: request.method ?? 'GET',
        url,
        ...(route !== undefined && { route }),
        status: response.statusCode,
        ...(request.socket?.remoteAddress && { ip: request.socket.remoteAddress }),
        requestHeaders: request.headers,
        responseHeaders: response.getHeaders(),
        query,
        startedAt,
        endedAt: Date.now(),
        aborted,
      }, request, response, options);
    });
    runInRequest(request.headers, () => handler(request, response));
  };
}
