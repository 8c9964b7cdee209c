// Prometheus metrics: one registry per app instance (tests start several apps in one process).

import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    integrityAlarm: new Gauge({
      name: 'stele_integrity_alarm', help: "1 while a tenant's log contradicts a published checkpoint (truncated or forked); no checkpoint is signed for it meanwhile",
      labelNames: ['tenant_id', 'kind'] as const, registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export function installMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
