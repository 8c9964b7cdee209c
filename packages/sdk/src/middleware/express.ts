// Express (or Connect) middleware: every API call an event (api-call.ts). Duck-typed over Node's
// request and response with Express's additions, so the SDK does not depend on Express.
//
//   app.use(steleExpress(audit, { actor: (req) => req.user && { id: req.user.id, type: 'user' } }));

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditEvent } from '../event.js';
import { runInRequest } from '../trace-context.js';
import { recordApiCall, whenResponseEnds, type ApiCallOptions } from './api-call.js';

/** What the middleware reads of an Express request, beyond Node's. */
export interface ExpressLikeRequest extends IncomingMessage {
  originalUrl?: string;
  baseUrl?: string;
  route?: { path?: unknown };
  ip?: string;
  query?: unknown;
  body?: unknown;
}

export type ExpressLikeResponse = ServerResponse & { json?: (body: unknown) => unknown };

type Recorder = { record(event: AuditEvent): void | Promise<void> };

export function steleExpress<Request extends ExpressLikeRequest = ExpressLikeRequest, Response extends ExpressLikeResponse = ExpressLikeResponse>(
  audit: Recorder, options: ApiCallOptions<Request, Response> = {},
): (request: Request, response: Response, next: (error?: unknown) => void) => void {
  const wantsResponseBody = (options.allow?.responseBody?.length ?? 0) > 0;
  return (request, response, next) => {
    if (options.skip?.(request)) return next();
    const startedAt = Date.now();
    const url = request.originalUrl ?? request.url ?? '';
    let responseBody: unknown;
    if (wantsResponseBody && typeof response.json === 'function') {
      const json = response.json.bind(response);
      response.json = (body: unknown) => {
        responseBody = body;
        return json(body);
      };
    }
    whenResponseEnds(response, (aborted) => {
      const routePath = typeof request.route?.path === 'string' ? request.route.path : undefined;
      recordApiCall(audit.record.bind(audit), {
        method: request.method ?? 'GET',
        url,
        ...(routePath !== undefined && { route: `${request.baseUrl ?? ''}${routePath}` }),
        status: response.statusCode,
        ...((request.ip ?? request.socket?.remoteAddress) && { ip: request.ip ?? request.socket.remoteAddress }),
        requestHeaders: request.headers,
        responseHeaders: response.getHeaders(),
        query: request.query,
        requestBody: request.body,
        responseBody,
        startedAt,
        endedAt: Date.now(),
        aborted,
      }, request, response, options);
    });
    runInRequest(request.headers, next);
  };
}
