// Checks on the path parameters and query string of every API request, before validation and
// before any handler: valid percent-encoding (the query-string parser keeps `%ff` as the three
// characters it could not decode, which would be searched for as if sent), no NUL and no lone
// surrogates (PostgreSQL cannot hold them, and would answer with a driver error rather than a
// 400), and no query parameter a route does not take (a misspelt `limt=10`, or an `offset` this
// API does not have, would otherwise be ignored without a word). A route's parameters are the
// properties of its querystring schema, which is also what the OpenAPI document publishes; a route
// without one takes none. Hidden routes (the dashboard's pages, static files, the docs UI) are
// left alone: a browser may carry any query there.

import type { FastifyInstance, FastifyRequest, preValidationAsyncHookHandler, RouteOptions } from 'fastify';
import { SteleError, type ErrorDetail } from '../domain/errors.js';
import { textProblem } from '../domain/i-json.js';

interface QuerySchema {
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
}

/** The query parameters an API route takes ('any' when its schema allows any); undefined for other routes. */
function parametersOf(route: RouteOptions): ReadonlySet<string> | 'any' | undefined {
  const schema = route.schema as { hide?: boolean; querystring?: QuerySchema } | undefined;
  if (!schema || schema.hide) return undefined;
  const query = schema.querystring;
  if (query?.additionalProperties === true) return 'any';
  return new Set(Object.keys(query?.properties ?? {}));
}

/** The names of query parameters whose name or value is not valid percent-encoded UTF-8. */
function badlyEncoded(url: string): string[] {
  const question = url.indexOf('?');
  if (question === -1) return [];
  const bad: string[] = [];
  for (const pair of url.slice(question + 1).split('&')) {
    const eq = pair.indexOf('=');
    const [name, value] = eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    try {
      decodeURIComponent(value.replace(/\+/g, ' '));
      decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      let shown = name;
      try { shown = decodeURIComponent(name); } catch { /* the name itself is undecodable: show it as sent */ }
      bad.push(shown);
    }
  }
  return bad;
}

function textDetails(values: Record<string, unknown> | undefined, kind: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const [name, value] of Object.entries(values ?? {})) {
    const problem = textProblem(name) ?? [value].flat().map((v) => (typeof v === 'string' ? textProblem(v) : undefined)).find(Boolean);
    if (problem !== undefined) details.push({ field: name, message: `${kind} ${problem}` });
  }
  return details;
}

function checkRequest(request: FastifyRequest, parameters: ReadonlySet<string> | 'any'): void {
  const undecodable = badlyEncoded(request.url);
  if (undecodable.length > 0) {
    throw new SteleError('invalid_request', `The query string is not valid percent-encoded UTF-8: ${undecodable.join(', ')}.`,
      undecodable.map((name) => ({ field: name, message: 'is not valid percent-encoded UTF-8' })));
  }
  const bad = [
    ...textDetails(request.params as Record<string, unknown>, 'path parameter'),
    ...textDetails(request.query as Record<string, unknown>, 'query parameter'),
  ];
  if (bad.length > 0) throw new SteleError('invalid_request', `The URL holds text that cannot be stored: ${bad.map((d) => d.field).join(', ')}.`, bad);
  if (parameters === 'any') return;
  const unknown = Object.keys((request.query as Record<string, unknown>) ?? {}).filter((name) => !parameters.has(name));
  if (unknown.length === 0) return;
  const takes = parameters.size === 0 ? 'takes no query parameters' : `takes ${[...parameters].join(', ')}`;
  throw new SteleError('invalid_request', `Unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: this route ${takes}.`,
    unknown.map((name) => ({ field: name, message: 'unknown query parameter' })));
}

/** Call before routes are registered: the checks are added to each route as it is declared. */
export function installRequestTextChecks(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const parameters = parametersOf(route);
    if (parameters === undefined) return;
    const check: preValidationAsyncHookHandler = async (request) => checkRequest(request, parameters);
    const existing = route.preValidation;
    route.preValidation = [check, ...(existing === undefined ? [] : [existing].flat())];
  });
}
