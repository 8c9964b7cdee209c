// Serves the built UI: hashed assets and /embed.js as static files, the dashboard's index.html
// for its client-side routes (SPA fallback), and the embeddable viewer at /embed. The fallback
// never answers for API and operations paths, which keep their JSON 404s.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { uiIsBuilt, type DashboardConfig } from './dashboard-config.js';

/** Paths the SPA must not swallow: a GET there that no route answers is a real 404. */
export const RESERVED_PREFIXES = ['/v1', '/docs', '/metrics', '/healthz', '/readyz', '/openapi.json', '/robots.txt', '/assets'];

const isReserved = (path: string) => RESERVED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

// The dashboard may never be framed (clickjacking), and keeps its window to itself (a page it
// opens, or that opened it, gets no handle on it); the viewer may be framed, by the configured sites.
const DASHBOARD_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-cache',
};

const embedHeaders = (ancestors: string) => ({
  'content-security-policy': `default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors ${ancestors}; base-uri 'none'; form-action 'none'`,
  'x-content-type-options': 'nosniff',
  // The token is in the page's URL: never send it onwards as a referrer.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
});

const NOT_BUILT = '<!doctype html><meta charset="utf-8"><title>Stele</title><p>The dashboard has not been built. Run <code>npm run build</code> and restart the server. The API is at <a href="/docs">/docs</a>.</p>';

export const uiRoutes: FastifyPluginAsync<{ config: DashboardConfig }> = async (app, { config }) => {
  const built = uiIsBuilt(config);
  const page = (name: string) => (built ? readFileSync(join(config.uiDir, name), 'utf8') : NOT_BUILT);
  const dashboardHtml = page('index.html');
  const embedHtml = built ? page('embed.html') : NOT_BUILT;
  const sendHtml = (reply: FastifyReply, html: string, headers: Record<string, string>) =>
    reply.status(built ? 200 : 503).headers(headers).type('text/html; charset=utf-8').send(html);

  if (built) {
    await app.register(fastifyStatic, {
      root: config.uiDir,
      prefix: '/',
      wildcard: false,
      index: false,
      // HTML goes through the routes below, which set the framing headers.
      allowedPath: (path) => !path.endsWith('.html'),
      // The .br and .gz files the build wrote beside each asset, for clients that take them.
      preCompressed: true,
      setHeaders: (res, path) => {
        res.header('x-content-type-options', 'nosniff');
        res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  app.get('/embed', { schema: { hide: true } }, (_request, reply) => sendHtml(reply, embedHtml, embedHeaders(config.embedFrameAncestors)));

  const fallback = (path: string, reply: FastifyReply) => {
    if (isReserved(path)) return reply.callNotFound();
    return sendHtml(reply, dashboardHtml, DASHBOARD_HEADERS);
  };
  app.get('/', { schema: { hide: true } }, (_request, reply) => fallback('/', reply));
  app.get('/*', { schema: { hide: true } }, (request, reply) => fallback(request.url.split('?')[0]!, reply));
};
