import type { FastifyPluginAsync } from 'fastify';
import type { IntegrityAlarm } from '../checkpoints/integrity-alarms.js';
import type { Store } from '../store/port.js';

export interface HealthRoutesOptions {
  store: Store;
  isDraining: () => boolean;
  /** Tenants whose log contradicts a published checkpoint. They stay ready (ingest goes on) but are named loudly. */
  integrityAlarms: () => IntegrityAlarm[];
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { store, isDraining, integrityAlarms }) => {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is up' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['operations'], summary: 'The store answers and the server is not shutting down' } }, async (request, reply) => {
    if (isDraining()) return reply.status(503).send({ status: 'draining' });
    try {
      await store.ping();
      const alarms = integrityAlarms();
      return alarms.length === 0
        ? { status: 'ready', store: store.engine, integrity: 'ok' }
        : { status: 'ready', store: store.engine, integrity: 'alarm', integrity_alarms: alarms };
    } catch (error) {
      request.log.warn({ err: error }, 'store not reachable');
      return reply.status(503).send({ status: 'unavailable', store: store.engine });
    }
  });
};
