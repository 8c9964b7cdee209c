// The ways a caller proves who it is, as OpenAPI security schemes, and the requirements operations
// name them by. operation-contract.ts picks an operation's requirements from its guard; a route
// whose way in no guard states (the dashboard's session routes, /metrics) declares its own.

export type SecurityRequirement = Record<string, string[]>;

export const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http', scheme: 'bearer', bearerFormat: 'stele_…',
    description: "A tenant's API key, `Authorization: Bearer stele_…` (created by `POST /v1/tenants/{id}/keys`). It acts on its own tenant, within its scopes.",
  },
  adminToken: {
    type: 'http', scheme: 'bearer', bearerFormat: 'stele_admin_…',
    description: 'The instance admin token (printed on first start, or `STELE_ADMIN_TOKEN`): manages tenants and acts on any tenant named by `tenant_id`.',
  },
  sessionCookie: {
    type: 'apiKey', in: 'cookie', name: '__Host-stele_session',
    description: 'A dashboard session, set by `POST /v1/session` (HttpOnly, SameSite=Strict, Secure). Named `stele_session`, without Secure, only when the server is reached over plain http on loopback.',
  },
  csrfToken: {
    type: 'apiKey', in: 'header', name: 'X-Stele-CSRF',
    description: "With the session cookie, every unsafe request (POST, PUT, PATCH, DELETE) carries the session's CSRF token, `csrf_token` of `GET /v1/session`.",
  },
  viewerToken: {
    type: 'http', scheme: 'bearer', bearerFormat: 'stv_…',
    description: "A short-lived token of the embeddable viewer (`POST /v1/viewer-tokens`): reads one tenant's events through `GET /v1/events`, its filters pinned.",
  },
  metricsToken: {
    type: 'http', scheme: 'bearer',
    description: 'The token of `STELE_METRICS_TOKEN`, which Prometheus sends when the server is configured with one.',
  },
} as const;

type SchemeName = keyof typeof SECURITY_SCHEMES;
const requirement = (...names: SchemeName[]): SecurityRequirement => Object.fromEntries(names.map((name) => [name, []]));

export const SECURITY = {
  apiKey: requirement('apiKey'),
  adminToken: requirement('adminToken'),
  session: requirement('sessionCookie'),
  sessionWithCsrf: requirement('sessionCookie', 'csrfToken'),
  viewerToken: requirement('viewerToken'),
  metricsToken: requirement('metricsToken'),
  /** In a list of requirements: no credential at all is also accepted. */
  none: {},
} as const satisfies Record<string, SecurityRequirement>;
