// Headers on every answer, the API's JSON, its errors and 404s as much as the dashboard's pages:
// - `X-Content-Type-Options: nosniff`: a browser never runs a JSON or CSV answer as a script or page;
// - `Referrer-Policy: no-referrer`: URLs (which may hold a download link's or viewer's token) are
//   not sent onwards; a page that sets its own (the dashboard's `same-origin`) keeps it;
// - `Cache-Control: no-store` on whatever did not say otherwise: nearly every answer is one
//   tenant's data or a credential (GET /v1/session holds the CSRF token), and no cache, shared or
//   the browser's, should keep it; static assets, /openapi.json and /robots.txt set their own;
// - `Strict-Transport-Security` when the request came over https: directly, or through a proxy
//   of STELE_TRUSTED_PROXIES that says so (`request.protocol` believes X-Forwarded-Proto from no
//   one else), so a browser that once reached Stele over https never falls back to plain http.
// Framing and CSP are the pages' own (dashboard/ui-routes.ts, api/openapi.ts for /docs): the
// embeddable viewer must stay frameable by the sites STELE_EMBED_FRAME_ANCESTORS names.

import type { FastifyInstance, FastifyReply } from 'fastify';

/** One year: the usual HSTS lifetime, renewed by every answer over https. */
export const HSTS = 'max-age=31536000';

const DEFAULTS: readonly (readonly [name: string, value: string])[] = [
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['cache-control', 'no-store'],
];

function setDefaults(reply: FastifyReply): void {
  for (const [name, value] of DEFAULTS) {
    if (!reply.hasHeader(name)) reply.header(name, value);
  }
}

/** Call before any route is registered, at the root, so every route and every refusal has them. */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    setDefaults(reply);
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
  });
}
