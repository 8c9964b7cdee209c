// Prometheus metrics: one registry per app instance (tests start several apps in one process).
// `/metrics` answers anyone who reaches it, unless STELE_METRICS_TOKEN is set: then only a scrape
// that sends `Authorization: Bearer <token>` (Prometheus: `authorization: { credentials: ... }`).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sameHash, sha256Hex } from '../auth/secrets.js';
import { SteleError } from '../domain/errors.js';
import { errorResponse } from '../http/schemas.js';
import { SECURITY } from '../http/security-schemes.js';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'stele_http_requests_total', help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'] as const, registers: [registry],
    }),
    latency: new Histogram({
      name: 'stele_http_request_duration_seconds', help: 'HTTP request latency by route',
      labelNames: ['method', 'route'] as const, registers: [registry],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    eventsIngested: new Counter({
      name: 'stele_events_ingested_total', help: 'Events durably appended (duplicates excluded)', registers: [registry],
    }),
    ingestOverloaded: new Counter({
      name: 'stele_ingest_overloaded_total', help: 'Ingest requests refused with 503 overloaded: more events were waiting for the database than STELE_INGEST_QUEUE_LIMIT', registers: [registry],
    }),
    commitGroupEvents: new Histogram({
      name: 'stele_store_commit_group_events', help: 'Events per group commit: appends that arrived together share one transaction (bounded by STELE_GROUP_COMMIT_MAX_EVENTS and STELE_GROUP_COMMIT_WAIT_MS)',
      registers: [registry], buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    }),
    commitGroupAppends: new Histogram({
      name: 'stele_store_commit_group_appends', help: 'Appends (ingest requests and self-audit writes) per group commit',
      registers: [registry], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    }),
    integrityAlarm: new Gauge({
      name: 'stele_integrity_alarm', help: "1 while a tenant's log contradicts a published checkpoint (truncated or forked); no checkpoint is signed for it meanwhile",
      labelNames: ['tenant_id', 'kind'] as const, registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export interface MetricsOptions {
  /** STELE_METRICS_TOKEN: the bearer token a scrape must send; undefined for none. */
  token: string | undefined;
}

/** Refuses a scrape without the configured token; compares hashes, so timing tells nothing of it. */
function checkToken(request: FastifyRequest, reply: FastifyReply, tokenHash: string): void {
  const sent = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (sent !== undefined && sameHash(sha256Hex(sent), tokenHash)) return;
  reply.header('www-authenticate', 'Bearer realm="stele metrics"');
  throw new SteleError('unauthenticated', 'Send the metrics token as `Authorization: Bearer <STELE_METRICS_TOKEN>`.');
}

export function installMetrics(app: FastifyInstance, metrics: Metrics, { token }: MetricsOptions): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  const tokenHash = token === undefined ? undefined : sha256Hex(token);
  app.get('/metrics', {
    schema: {
      operationId: 'getMetrics', tags: ['operations'], summary: 'Prometheus metrics',
      description: 'Request counts and latencies by route, events ingested, integrity alarms, and the process\'s own metrics, in the Prometheus text format. Behind a bearer token when the server sets STELE_METRICS_TOKEN; open otherwise. Never rate limited.',
      security: [SECURITY.metricsToken, SECURITY.none],
      response: {
        200: { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string', description: 'Prometheus text exposition format 0.0.4' } } } },
        401: errorResponse('STELE_METRICS_TOKEN is set and the request does not carry it.'),
      },
    },
  }, async (request, reply) => {
    if (tokenHash !== undefined) checkToken(request, reply, tokenHash);
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
