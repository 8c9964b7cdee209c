// /robots.txt: nothing here is for search engines. The dashboard, the viewer and the API docs sit
// on hosts that are often reachable from the internet; a crawler that honours this lists none.

import type { FastifyInstance } from 'fastify';

export const ROBOTS_TXT = 'User-agent: *\nDisallow: /\n';

export function installRobots(app: FastifyInstance): void {
  app.get('/robots.txt', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=86400').send(ROBOTS_TXT));
}
