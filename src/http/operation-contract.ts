// Completes each API route's OpenAPI operation with what the HTTP kit knows about every route, so
// the document says what the server really answers without each route repeating it:
// - who may call it (`security`), read from the guard among its preHandlers (guards.ts): a route
//   with none is public unless it declares its own security;
// - the error answers any route gives by the way requests are handled here: 400 (URL checks,
//   validation), 401 and 403 (credentials; the browser checks refuse a bad viewer token or a
//   cookie request without its CSRF header on every route), 404 (a path id or a named tenant that
//   does not exist), 413 and 415 (a body too large, or not JSON), 429 (rate limits, on all but
//   the operational routes), 503 (the database unavailable: src/store/availability.ts);
// - a description for every answer, and the scope a guarded operation needs.
// What only the route knows (its success answer, 409, 422) it declares itself; a status it
// declares keeps its own schema (/readyz its own 503). test/api/openapi-contract.test.ts holds every operation to this.

import type { FastifyInstance, RouteOptions } from 'fastify';
import { accessOf, type Access } from './guards.js';
import { SECURITY, type SecurityRequirement } from './security-schemes.js';

export interface OperationContractOptions {
  /** `METHOD /path` of the routes a viewer token may call (dashboard/browser-auth.ts). */
  viewerRoutes: ReadonlySet<string>;
  /** Paths the rate limits never refuse (api/rate-limit.ts): health checks and metrics. */
  unthrottledPaths: ReadonlySet<string>;
}

type ResponseSchemas = Record<string, Record<string, unknown>>;

interface RouteSchema {
  hide?: boolean;
  description?: string;
  security?: SecurityRequirement[];
  params?: unknown;
  querystring?: { properties?: Record<string, unknown> };
  response?: ResponseSchemas;
  [key: string]: unknown;
}

const ERROR_BODY = 'ErrorBody#';
const METHODS_WITH_BODIES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const SUCCESS_MEANINGS: Record<string, string> = {
  200: 'OK.',
  201: 'Created.',
  202: 'Accepted: the work goes on in the background.',
  204: 'Done; no body.',
};

/** What each error status means on an operation that needs a credential. */
const GUARDED_ERRORS: Record<string, string> = {
  400: 'The request is malformed: an unknown or repeated query parameter, text that cannot be stored, or an invalid parameter or body member (`details` names each).',
  401: 'No valid credential: none was sent, or it is unknown, revoked or expired.',
  403: 'The credential may not do this: it lacks the scope, is a viewer token off its one route, or is a session cookie without its X-Stele-CSRF header or from another origin.',
  404: 'Not found: no such resource in the tenant, or no such tenant.',
  409: 'The request conflicts with the current state; the message says how.',
  413: 'The body is larger than the server accepts (STELE_MAX_BODY_BYTES).',
  415: 'The body is not JSON in UTF-8 (send `content-type: application/json`).',
  422: 'Understood but refused; the message says why and what to do instead.',
  429: 'Too many requests from this caller, or too many failed authentications from this address; `Retry-After` says when to try again.',
  503: 'The database is unavailable or busy (`unavailable`); `Retry-After` says when to try again.',
};

/** 503 on the operational paths, whose own work needs no database: only a credential lookup does. */
const OPERATIONAL_UNAVAILABLE = 'Only for a request that sends a session cookie or viewer token, whose lookup needs the database, while the database is unavailable; `Retry-After` says when to try again.';

/** The same for an operation that needs none: only what a caller sends anyway is refused. */
const PUBLIC_ERRORS: Record<string, string> = {
  ...GUARDED_ERRORS,
  401: 'A credential was sent and is not valid: a viewer token that is unknown, expired or revoked is refused on every route.',
  403: 'A credential was sent that may not be used here: a viewer token off its one route, or a session cookie without its X-Stele-CSRF header on an unsafe request.',
};

const RETRY_AFTER = { 'retry-after': { type: 'integer', description: 'Seconds to wait before trying again' } };

function securityOf(access: Access | undefined, method: string, route: string, options: OperationContractOptions): SecurityRequirement[] {
  if (!access) return [];
  const session = METHODS_WITH_BODIES.has(method) ? SECURITY.sessionWithCsrf : SECURITY.session;
  if (access.kind === 'instance_admin') return [SECURITY.adminToken, session];
  return [SECURITY.apiKey, session, SECURITY.adminToken, ...(options.viewerRoutes.has(`${method} ${route}`) ? [SECURITY.viewerToken] : [])];
}

function accessSentence(access: Access | undefined, declared: SecurityRequirement[] | undefined): string | undefined {
  if (!access) return declared === undefined || declared.length === 0 ? 'Public: needs no credential.' : undefined;
  if (access.kind === 'instance_admin') return 'Needs the instance admin token, or a dashboard session of a super_admin.';
  return `Needs the \`${access.scope}\` scope: an API key that has it, a dashboard session whose role grants it, or the instance admin token.`;
}

const hasPathParameters = (url: string) => /[:*]/.test(url);

/** The error statuses the way requests are handled here lets this route answer. */
function commonErrors(method: string, url: string, access: Access | undefined, schema: RouteSchema, options: OperationContractOptions): string[] {
  const statuses = ['400', '401', '403'];
  const namesTenant = schema.querystring?.properties?.tenant_id !== undefined;
  if (hasPathParameters(url) || access?.kind === 'scope' || namesTenant) statuses.push('404');
  if (METHODS_WITH_BODIES.has(method)) statuses.push('413', '415');
  if (!options.unthrottledPaths.has(url)) statuses.push('429');
  statuses.push('503');
  return statuses;
}

const isErrorBody = (response: Record<string, unknown>) => response.$ref === ERROR_BODY;

function describedResponse(status: string, response: Record<string, unknown>, meanings: Record<string, string>): Record<string, unknown> {
  if (typeof response.description === 'string') return response;
  const meaning = status.startsWith('2') ? SUCCESS_MEANINGS[status] : meanings[status];
  if (meaning === undefined) return response;
  // A shared schema (TypeBox objects are reused across routes) is copied, not changed.
  return { ...response, description: meaning };
}

function completeResponses(declared: ResponseSchemas, errors: string[], meanings: Record<string, string>): ResponseSchemas {
  const responses: ResponseSchemas = {};
  for (const [status, response] of Object.entries(declared)) responses[status] = describedResponse(status, response, meanings);
  for (const status of errors) responses[status] ??= { $ref: ERROR_BODY, description: meanings[status] };
  for (const status of ['429', '503']) {
    const response = responses[status];
    if (response && isErrorBody(response) && response.headers === undefined) responses[status] = { ...response, headers: RETRY_AFTER };
  }
  return responses;
}

/** The operation of one route, completed; undefined for routes outside the document. */
export function completeOperation(route: Pick<RouteOptions, 'method' | 'url' | 'preHandler' | 'schema'>, options: OperationContractOptions): RouteSchema | undefined {
  const schema = route.schema as RouteSchema | undefined;
  if (!schema || schema.hide) return undefined;
  const method = [route.method].flat()[0]!.toUpperCase();
  const access = accessOf(route.preHandler);
  const declared = schema.security;
  const needsCredential = access !== undefined || (declared !== undefined && declared.length > 0 && declared.every((r) => Object.keys(r).length > 0));
  const meanings = {
    ...(needsCredential ? GUARDED_ERRORS : PUBLIC_ERRORS),
    ...(options.unthrottledPaths.has(route.url) && { 503: OPERATIONAL_UNAVAILABLE }),
  };
  const sentence = accessSentence(access, schema.security);
  return {
    ...schema,
    ...(sentence && !(schema.description ?? '').includes(sentence) && { description: schema.description ? `${schema.description}\n\n${sentence}` : sentence }),
    ...(access?.kind === 'scope' && { 'x-required-scope': access.scope }),
    security: schema.security ?? securityOf(access, method, route.url, options),
    response: completeResponses(schema.response ?? {}, commonErrors(method, route.url, access, schema, options), meanings),
  };
}

/** Call before any route is registered (and before @fastify/swagger): each route is completed as it is declared. */
export function installOperationContract(app: FastifyInstance, options: OperationContractOptions): void {
  app.addHook('onRoute', (route) => {
    const completed = completeOperation(route, options);
    if (completed) route.schema = completed;
  });
}
