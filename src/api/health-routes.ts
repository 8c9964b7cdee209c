import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../store/port.js';

export const healthRoutes: FastifyPluginAsync<{ store: Store; isDraining: () => boolean }> = async (app, { store, isDraining }) => {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is up' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['operations'], summary: 'The store answers and the server is not shutting down' } }, async (request, reply) => {
    if (isDraining()) return reply.status(503).send({ status: 'draining' });
    try {
      await store.ping();
      return { status: 'ready', store: store.engine };
    } catch (error) {
      request.log.warn({ err: error }, 'store not reachable');
      return reply.status(503).send({ status: 'unavailable', store: store.engine });
    }
  });
};
