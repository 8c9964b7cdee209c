import type { FastifyPluginAsync } from 'fastify';
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

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { store, isDraining, integrityAlarms }) => {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is up' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['operations'], summary: 'The store answers (within 2 s) and the server is not shutting down' } }, async (request, reply) => {
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
