// Checks on the path parameters and query string of every API request, before validation and
// before any handler, each answered with a 400 naming the parameter:
// - valid percent-encoded UTF-8 (the query-string parser keeps `%ff` as the three characters it
//   could not decode, which would then be searched for as if sent);
// - no NUL and no lone surrogates (PostgreSQL cannot hold them and would answer with a driver
//   error, a 500, rather than a 400);
// - no parameter the route does not take (a misspelt `limt=10`, or a `per_page` this API does not
//   have, would otherwise be ignored without a word), and none given twice that the route reads
//   once (the handler would be handed an array).
// A route's parameters are the properties of its querystring schema, which is also what the
// OpenAPI document publishes; a route without one takes none, and only a property whose schema
// allows an array may repeat. Hidden routes (the dashboard's pages, static files, the docs UI)
// are left alone: a browser may carry any query there.

import type { FastifyInstance, FastifyRequest, preValidationAsyncHookHandler, RouteOptions } from 'fastify';
import { SteleError, type ErrorDetail } from '../domain/errors.js';
import { textProblem } from '../domain/i-json.js';

interface PropertySchema {
  type?: string;
  anyOf?: PropertySchema[];
}

interface QuerySchema {
  properties?: Record<string, PropertySchema>;
  additionalProperties?: unknown;
}

/** What query parameters a route takes, and which of them may be given more than once. */
interface QueryParameters {
  names: ReadonlySet<string> | 'any';
  repeatable: ReadonlySet<string>;
}

const mayBeArray = (schema: PropertySchema): boolean => schema.type === 'array' || (schema.anyOf ?? []).some(mayBeArray);

/** The query parameters of an API route; undefined for other routes. */
function parametersOf(route: RouteOptions): QueryParameters | undefined {
  const schema = route.schema as { hide?: boolean; querystring?: QuerySchema } | undefined;
  if (!schema || schema.hide) return undefined;
  const properties = Object.entries(schema.querystring?.properties ?? {});
  return {
    names: schema.querystring?.additionalProperties === true ? 'any' : new Set(properties.map(([name]) => name)),
    repeatable: new Set(properties.filter(([, property]) => mayBeArray(property)).map(([name]) => name)),
  };
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

function checkRequest(request: FastifyRequest, { names, repeatable }: QueryParameters): void {
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
  const query = (request.query as Record<string, unknown>) ?? {};
  if (names !== 'any') {
    const unknown = Object.keys(query).filter((name) => !names.has(name));
    if (unknown.length > 0) {
      const takes = names.size === 0 ? 'takes no query parameters' : `takes ${[...names].join(', ')}`;
      throw new SteleError('invalid_request', `Unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: this route ${takes}.`,
        unknown.map((name) => ({ field: name, message: 'unknown query parameter' })));
    }
  }
  const repeated = Object.keys(query).filter((name) => Array.isArray(query[name]) && !repeatable.has(name));
  if (repeated.length > 0) {
    throw new SteleError('invalid_request', `${repeated.join(', ')} may be given once.`, repeated.map((name) => ({ field: name, message: 'repeated' })));
  }
}

/** Call before routes are registered: the checks are added to each route as it is declared. */
export function installUrlChecks(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const parameters = parametersOf(route);
    if (parameters === undefined) return;
    const check: preValidationAsyncHookHandler = async (request) => checkRequest(request, parameters);
    const existing = route.preValidation;
    route.preValidation = [check, ...(existing === undefined ? [] : [existing].flat())];
  });
}
