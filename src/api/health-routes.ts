import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { IntegrityAlarm } from '../checkpoints/integrity-alarms.js';
import type { Store } from '../store/port.js';

// A load balancer asks often and waits briefly: /readyz answers 503 within this, whatever the store does.
const READY_TIMEOUT_MS = 2000;

/** Resolves when the store answers, rejects when it fails or takes longer than `ms`. */
async function pingWithin(store: Store, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${ms} ms`)), ms);
  });
  const ping = store.ping();
  ping.catch(() => {}); // when it loses the race, its failure has nobody to tell
  try {
    await Promise.race([ping, late]);
  } finally {
    clearTimeout(timer);
  }
}

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
      operationId: 'getReadiness', tags: ['operations'], summary: 'The store answers (within 2 s) and the server is not shutting down',
      description: 'Readiness for load balancers: 200 while the store answers, 503 while the server drains before shutting down or its store does not answer within 2 s. Integrity alarms are named but do not make the node unready (ingest goes on). Never rate limited.',
      response: { 200: Ready, 503: NotReady },
    },
  }, async (request, reply) => {
    if (isDraining()) return reply.status(503).send({ status: 'draining' });
    try {
      await pingWithin(store, READY_TIMEOUT_MS);
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
