// The OpenAPI document (`/openapi.json`) and its browser (`/docs`). The document is the API's
// contract: operation-contract.ts completes every route's operation as it is declared, shared
// schemas keep their names (ErrorBody), and test/api/openapi-contract.test.ts lints it with
// Redocly's recommended rules and holds every operation to it.

import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { VIEWER_ROUTES } from '../dashboard/browser-auth.js';
import { installOperationContract } from '../http/operation-contract.js';
import { ErrorBody } from '../http/schemas.js';
import { SECURITY_SCHEMES } from '../http/security-schemes.js';
import { OPERATIONAL_PATHS } from './rate-limit.js';

/**
 * Every tag an operation may carry, with its description. An operation's tag that is missing here
 * fails the contract test: add it, with a sentence a reader of /docs can act on.
 */
export const TAGS: Record<string, string> = {
  events: 'Send events, read them back (filters, the search language, cursor pages), and pull the gap-free feed.',
  'saved searches': "A tenant's named searches, usable wherever events are selected (`saved_search=ID`).",
  'event types': "Per-action JSON Schemas a tenant declares for details, target and actor, checked at ingest, and whether undeclared actions are accepted.",
  export: 'Streamed downloads in six formats, bulk export jobs with signed download links and manifests, compliance evidence, scheduled exports.',
  integrity: 'Signed checkpoints, inclusion and consistency proofs, and verification of the log.',
  streams: 'Push delivery of events to SIEMs and webhooks.',
  alerts: 'Rules evaluated as events arrive, and the alerts they fired.',
  retention: 'How long events are kept, legal holds, and deletion.',
  reports: 'Access, login and permission reports, and the SOC 2 package.',
  tenants: 'Tenants (organisations), managed by the instance admin.',
  keys: "A tenant's API keys and their scopes.",
  dashboard: 'Dashboard sign-in (the session cookie and its CSRF token) and the embeddable viewer\'s tokens.',
  operations: 'Health, readiness and metrics, for load balancers and Prometheus.',
};

interface OpenApiObject {
  paths?: Record<string, Record<string, { tags?: string[] }>>;
  tags?: { name: string; description?: string }[];
  [key: string]: unknown;
}

/** The document's tags: those its operations use, in the order of TAGS, each with its description. */
function withUsedTags(document: OpenApiObject): OpenApiObject {
  const used = new Set(Object.values(document.paths ?? {}).flatMap((operations) => Object.values(operations).flatMap((operation) => operation.tags ?? [])));
  const known = Object.keys(TAGS).filter((name) => used.has(name));
  const unknown = [...used].filter((name) => !(name in TAGS)).sort();
  return { ...document, tags: [...known.map((name) => ({ name, description: TAGS[name] })), ...unknown.map((name) => ({ name }))] };
}

// Scripts from Swagger UI's own files only (with the hashes of any inline script
// @fastify/swagger-ui lists); no other origin is reached (no validator badge); no site may frame
// the page. Styles may be inline: Swagger UI inserts a <style> element as it runs, and a style
// runs no code on a page that shows no secret.
function docsCsp(hashes: { script: string[] }): string {
  return [
    "default-src 'self'", "base-uri 'self'", "object-src 'none'", "frame-ancestors 'none'", "form-action 'self'",
    "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'",
    `script-src ${["'self'", ...hashes.script].join(' ')}`, "script-src-attr 'none'", "style-src 'self' 'unsafe-inline'",
  ].join('; ');
}

/** Call before any route is registered: every route declared after it is completed and documented. */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  installOperationContract(app, { viewerRoutes: VIEWER_ROUTES, unthrottledPaths: OPERATIONAL_PATHS });
  app.addSchema(ErrorBody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Stele',
        description: 'A self-hostable, tamper-evident audit log service. Every error answer has one shape, `ErrorBody`; every operation says which credentials it takes and the scope it needs.',
        version,
        license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      },
      // Relative: the server that served this document, whatever name it is reached by.
      servers: [{ url: '/', description: 'The Stele server this document was fetched from' }],
      components: { securitySchemes: SECURITY_SCHEMES as never },
    },
    // Shared schemas are named by their $id (ErrorBody), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (documentObject) => withUsedTags(('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject) as OpenApiObject) as never,
  });
}

/** `/openapi.json` and the Swagger UI at `/docs`; after installOpenApi and the rate limiter. */
export async function installApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    validatorUrl: false,
    staticCSP: true,
    transformStaticCSP: () => docsCsp(app.swaggerCSP),
    // Browsers that predate frame-ancestors; and the page keeps its window to itself.
    uiHooks: {
      onRequest: async (_request, reply) => {
        reply.header('x-frame-options', 'DENY').header('cross-origin-opener-policy', 'same-origin');
      },
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'no-cache').send(app.swagger()));
}
