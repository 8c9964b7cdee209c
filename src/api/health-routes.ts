import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { IntegrityAlarm } from '../checkpoints/integrity-alarms.js';
import type { Store } from '../store/port.js';

export interface HealthRoutesOptions {
  store: Store;
  isDraining: () => boolean;
  /** Tenants whose log contradicts a published checkpoint. They stay ready (ingest goes on) but are named loudly. */
  integrityAlarms: () => IntegrityAlarm[];
}

const IntegrityAlarmView = Type.Object({
  tenant_id: Type.String(), kind: Type.String({ enum: ['truncated', 'forked'] }), size: Type.Integer({ description: 'The size of the checkpoint the log contradicts' }),
  source: Type.String({ description: 'Where that checkpoint is known from' }), message: Type.String(), raised_at: Type.String(),
});

const Ready = Type.Object({
  status: Type.Literal('ready'), store: Type.String({ enum: ['sqlite', 'postgres'] }),
  integrity: Type.String({ enum: ['ok', 'alarm'], description: '`alarm` while a tenant\'s log contradicts a checkpoint published outside the database (src/checkpoints/README.md)' }),
  integrity_alarms: Type.Optional(Type.Array(IntegrityAlarmView)),
});

const NotReady = Type.Object({
  status: Type.String({ enum: ['draining', 'unavailable'] }),
  store: Type.Optional(Type.String({ enum: ['sqlite', 'postgres'] })),
}, { description: 'Not ready: the server is shutting down (`draining`) or the store does not answer (`unavailable`). Take the node out of the load balancer.' });

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { store, isDraining, integrityAlarms }) => {
  app.get('/healthz', {
    schema: {
      operationId: 'getHealth', tags: ['operations'], summary: 'The process is up',
      description: 'Liveness: answers as long as the process runs, whatever the store does. Never rate limited.',
      response: { 200: Type.Object({ status: Type.Literal('ok') }) },
    },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    schema: {
      operationId: 'getReadiness', tags: ['operations'], summary: 'The store answers and the server is not shutting down',
      description: 'Readiness for load balancers: 200 while the store answers, 503 while the server drains before shutting down or cannot reach its store. Integrity alarms are named but do not make the node unready (ingest goes on). Never rate limited.',
      response: { 200: Ready, 503: NotReady },
    },
  }, async (request, reply) => {
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
