// A Fastify plugin: every API call an event (api-call.ts). Hooks on the whole app (the plugin skips
// Fastify's encapsulation the way fastify-plugin does), typed structurally, so the SDK does not
// depend on Fastify.
//
//   await app.register(steleFastify(audit, { actor: (request) => ({ id: request.user.id }) }));

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { AuditEvent } from '../event.js';
import { runInRequest } from '../trace-context.js';
import { parsedBody, recordApiCall, type ApiCallOptions } from './api-call.js';

/** What the plugin reads of a Fastify request. */
export interface FastifyLikeRequest {
  method: string;
  url: string;
  ip?: string;
  headers: IncomingHttpHeaders;
  query?: unknown;
  body?: unknown;
  routeOptions?: { url?: string };
}

/** What the plugin reads of a Fastify reply. */
export interface FastifyLikeReply {
  statusCode: number;
  getHeaders(): OutgoingHttpHeaders | Record<string, unknown>;
}

type Done = (error?: Error) => void;

/**
 * The part of a Fastify instance the plugin uses. Fastify types addHook with an overload per hook
 * and generics for every server type; this loose shape lets a real instance in without the SDK
 * depending on Fastify's types. The hooks below are typed for what Fastify passes them.
 */
export interface FastifyLikeInstance {
  addHook(name: 'onRequest' | 'onSend' | 'onResponse', hook: (...args: any[]) => void): unknown;
}

type Recorder = { record(event: AuditEvent): void | Promise<void> };

export function steleFastify<Request extends FastifyLikeRequest = FastifyLikeRequest, Reply extends FastifyLikeReply = FastifyLikeReply>(
  audit: Recorder, options: ApiCallOptions<Request, Reply> = {},
) {
  const wantsResponseBody = (options.allow?.responseBody?.length ?? 0) > 0;
  const calls = new WeakMap<object, { startedAt: number; responseBody?: unknown }>();
  const plugin = (app: FastifyLikeInstance, _options: unknown, done: Done) => {
    app.addHook('onRequest', (request: Request, _reply: Reply, next: Done) => {
      if (options.skip?.(request)) return next();
      calls.set(request, { startedAt: Date.now() });
      runInRequest(request.headers, () => next());
    });
    if (wantsResponseBody) {
      app.addHook('onSend', (request: Request, _reply: Reply, payload: unknown, next: (error: Error | null, payload?: unknown) => void) => {
        const call = calls.get(request);
        if (call) call.responseBody = parsedBody(payload);
        next(null, payload);
      });
    }
    app.addHook('onResponse', (request: Request, reply: Reply, next: Done) => {
      const call = calls.get(request);
      if (call) {
        calls.delete(request);
        recordApiCall(audit.record.bind(audit), {
          method: request.method,
          url: request.url,
          ...(request.routeOptions?.url !== undefined && { route: request.routeOptions.url }),
          status: reply.statusCode,
          ...(request.ip !== undefined && { ip: request.ip }),
          requestHeaders: request.headers,
          responseHeaders: reply.getHeaders() as OutgoingHttpHeaders,
          query: request.query,
          requestBody: request.body,
          responseBody: call.responseBody,
          startedAt: call.startedAt,
          endedAt: Date.now(),
        }, request, reply, options);
      }
      next();
    });
    done();
  };
  // What fastify-plugin sets: the hooks apply to the app that registers the plugin, not a child scope.
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@stele/sdk' });
}
