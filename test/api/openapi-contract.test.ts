// The OpenAPI document is the API's contract (src/api/openapi.ts, src/http/operation-contract.ts):
// - Redocly's recommended ruleset, plus the rules it leaves off that a contract needs (every
//   operation and parameter described, every tag defined), finds nothing: no error, no warning;
// - every operation, today's and those added later, has a stable camelCase operationId, a summary
//   and a description of its own, a described tag, described parameters, a 2xx answer with its
//   content, the error answers every route can give (each an ErrorBody), and its security;
// - every route the server serves under /v1 and the operational paths is in the document;
// - the check that holds every answer of the test suites to the document (contract-check.ts)
//   catches an undocumented status, an undocumented content type, a body off its schema and a
//   member the serializer would drop.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import { buildApp } from '../../src/api/app.js';
import { TAGS } from '../../src/api/openapi.js';
import { loadConfig } from '../../src/config.js';
import { StoreUnavailableError, type Store } from '../../src/store/port.js';
import { openTestStore } from '../../src/store/testing/test-stores.js';
import { createContractCheck } from '../helpers/contract-check.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';

interface Parameter { name: string; in: string; description?: string }
interface Response { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }
interface Operation {
  operationId?: string; summary?: string; description?: string; tags?: string[];
  parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: object }> };
  responses: Record<string, Response>; security?: Record<string, string[]>[]; 'x-required-scope'?: string;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  tags: { name: string; description?: string }[];
  components: { schemas: Record<string, object>; securitySchemes: Record<string, object> };
  servers?: { url: string }[];
  info: { license?: { name: string } };
}

const UNTHROTTLED = new Set(['/healthz', '/readyz', '/metrics']);
const WITH_BODIES = new Set(['post', 'put', 'patch', 'delete']);
const ACCESS_SENTENCE = /^(Public: needs no credential\.|Needs the .*)$/;

/** Every operation of the document, as `METHOD /path` with the operation. */
const operationsOf = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ method, path, operation })));

/**
 * Every route the app serves, as `METHOD /path` (Fastify's `:id` in the document's `{id}` form),
 * read from Fastify's route tree: a child's path is its parent's plus its own segment.
 */
function servedRoutes(printed: string): string[] {
  const routes: string[] = [];
  const prefixes: string[] = [];
  for (const line of printed.split('\n')) {
    const match = /^((?:[│ ] {3})*)(?:[├└]── )?(\S+)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = [...match[1]!].length / 4;
    const path = (depth === 0 ? '' : prefixes[depth - 1]!) + match[2]!;
    prefixes[depth] = path;
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    }
  }
  return routes;
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: Document;

  before(async () => {
    t = await startTestApp('sqlite');
    const response = await t.request({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    doc = response.json();
  });
  after(() => t.close());

  it("passes Redocly's recommended rules, and the description and tag rules they leave off, with no error and no warning", async () => {
    const config = await createConfig({
      extends: ['recommended'],
      rules: { 'operation-description': 'error', 'parameter-description': 'error', 'operation-tag-defined': 'error' },
    });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    assert.deepEqual(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`), []);
  });

  it('names the error body, the security schemes, the servers, the tags and the license', () => {
    assert.ok(doc.components.schemas.ErrorBody, 'ErrorBody is a named schema');
    assert.deepEqual(Object.keys(doc.components.schemas).filter((name) => /^def-\d+$/.test(name)), [], 'no shared schema is left unnamed');
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['adminToken', 'apiKey', 'csrfToken', 'metricsToken', 'sessionCookie', 'viewerToken']);
    assert.deepEqual(doc.servers, [{ url: '/', description: 'The Stele server this document was fetched from' }]);
    assert.equal(doc.info.license?.name, 'Apache-2.0');
    for (const tag of doc.tags) assert.ok(tag.description, `tag ${tag.name} has a description (add it to TAGS in src/api/openapi.ts)`);
  });

  it('gives every operation an operationId, a summary and description of its own, a described tag and described parameters', () => {
    const ids = new Set<string>();
    for (const { method, path, operation } of operationsOf(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      assert.match(operation.operationId ?? '', /^[a-z][A-Za-z0-9]+$/, `${name}: a camelCase operationId`);
      assert.ok(!ids.has(operation.operationId!), `${name}: operationId ${operation.operationId} is taken`);
      ids.add(operation.operationId!);
      assert.ok(operation.summary, `${name}: a summary`);
      const ownParagraphs = (operation.description ?? '').split('\n\n').filter((paragraph) => !ACCESS_SENTENCE.test(paragraph));
      assert.ok(ownParagraphs.join('').length > 20, `${name}: a description of its own, not only who may call it`);
      assert.ok((operation.tags ?? []).length > 0, `${name}: a tag`);
      for (const tag of operation.tags!) assert.ok(TAGS[tag], `${name}: tag "${tag}" is described in TAGS (src/api/openapi.ts)`);
      for (const parameter of operation.parameters ?? []) assert.ok(parameter.description, `${name}: ${parameter.in} parameter ${parameter.name} has a description`);
      if (operation.requestBody) assert.ok(operation.requestBody.content?.['application/json']?.schema, `${name}: a JSON request body`);
    }
    assert.ok(ids.size >= 44, `${ids.size} operations`);
  });

  it('documents for every operation its success, the errors every route can give as ErrorBody, and its security', () => {
    for (const { method, path, operation } of operationsOf(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(operation.responses);
      const successes = statuses.filter((status) => status.startsWith('2'));
      assert.ok(successes.length > 0, `${name}: a 2xx answer`);
      for (const status of successes) {
        const response = operation.responses[status]!;
        if (status !== '204') assert.ok(Object.values(response.content ?? {}).every((media) => media.schema) && response.content, `${name}: ${status} has content with a schema`);
      }
      const required = ['400', '401', '403', '503', ...(UNTHROTTLED.has(path) ? [] : ['429']), ...(WITH_BODIES.has(method) ? ['413', '415'] : [])];
      for (const status of required) assert.ok(statuses.includes(status), `${name}: documents ${status}`);
      for (const [status, response] of Object.entries(operation.responses)) {
        assert.ok(response.description && response.description !== 'Default Response', `${name}: ${status} says what it means`);
        if (status.startsWith('4')) assert.equal(response.content?.['application/json']?.schema?.$ref, '#/components/schemas/ErrorBody', `${name}: ${status} is an ErrorBody`);
      }
      assert.ok(Array.isArray(operation.security), `${name}: states its security ([] when public)`);
      if (operation['x-required-scope']) assert.ok(operation.security!.length > 0, `${name}: a scoped operation names its credentials`);
    }
  });

  it('marks public only what needs no credential', () => {
    const publicOperations = operationsOf(doc).filter(({ operation }) => operation.security!.length === 0).map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort();
    assert.deepEqual(publicOperations, ['GET /healthz', 'GET /readyz', 'GET /v1/exports/{id}/download', 'POST /v1/session']);
    const events = doc.paths['/v1/events']!;
    assert.deepEqual(events.get!.security, [{ apiKey: [] }, { sessionCookie: [] }, { adminToken: [] }, { viewerToken: [] }]);
    assert.deepEqual(events.post!.security, [{ apiKey: [] }, { sessionCookie: [], csrfToken: [] }, { adminToken: [] }], 'a cookie request that changes something carries its CSRF header');
    assert.deepEqual(doc.paths['/v1/tenants']!.post!.security, [{ adminToken: [] }, { sessionCookie: [], csrfToken: [] }]);
    assert.deepEqual(doc.paths['/metrics']!.get!.security, [{ metricsToken: [] }, {}]);
    assert.equal(events.get!['x-required-scope'], 'audit:read');
  });

  it('holds every route the server serves under /v1, and the operational ones', () => {
    const documented = new Set(operationsOf(doc).map(({ method, path }) => `${method.toUpperCase()} ${path}`));
    const served = servedRoutes(t.app.printRoutes({ commonPrefix: false }));
    assert.ok(served.includes('GET /v1/events/{id}/proof'), 'the route tree is read');
    const api = served.filter((route) => /^[A-Z]+ \/(v1\/|healthz|readyz|metrics)/.test(route));
    assert.deepEqual(api.filter((route) => !documented.has(route)), [], 'API routes missing from the document');
    // Everything else is the documentation itself, robots.txt, and the dashboard's pages and files.
    const dist = fileURLToPath(new URL('../../ui/dist', import.meta.url));
    const built = new Set((readdirSync(dist, { recursive: true }) as string[]).map((file) => `GET /${file.split(sep).join('/')}`));
    const others = served.filter((route) => !api.includes(route) && !built.has(route) && !/^GET \/docs(\/|$)/.test(route));
    assert.deepEqual(others.sort(), ['GET /', 'GET /*', 'GET /embed', 'GET /openapi.json', 'GET /robots.txt']);
  });
});

describe('the document while the database is away', () => {
  it('documents the 503 with Retry-After that every route answers, the operational ones only for a credential lookup', async () => {
    const db = await openTestStore('sqlite');
    let down = false;
    // The store as src/store/availability.ts makes it during an outage: every call refused at once.
    const store = new Proxy(db.store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (down) return Promise.reject(new StoreUnavailableError('The database is unavailable; try again shortly.', 1));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Store;
    const contract = createContractCheck();
    const config = loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: '/nonexistent' });
    const { app } = await buildApp({ config, store, signingKey: testSigningKey(), instrument: contract.install });
    try {
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const tenant = (await app.inject({ method: 'POST', url: '/v1/tenants', headers: admin, payload: { name: 'acme' } })).json();
      const key = (await app.inject({ method: 'POST', url: `/v1/tenants/${tenant.id}/keys`, headers: admin, payload: { name: 'k', scopes: ['audit:read', 'events:write'] } })).json().key as string;
      down = true;
      const bearer = { authorization: `Bearer ${key}` };
      const requests = [
        { method: 'GET' as const, url: '/v1/events', headers: bearer },
        { method: 'POST' as const, url: '/v1/events', headers: bearer, payload: { action: 'a' } },
        { method: 'GET' as const, url: '/v1/saved-searches', headers: bearer },
        { method: 'POST' as const, url: '/v1/session', payload: { email: 'a@example.com', password: 'p' } },
        { method: 'GET' as const, url: '/healthz', headers: { cookie: 'stele_session=sts_x' } },
      ];
      for (const request of requests) {
        const response = await app.inject(request);
        assert.equal(response.statusCode, 503, `${request.method} ${request.url}: ${response.body}`);
        assert.equal(response.json().error.code, 'unavailable');
        assert.equal(response.headers['retry-after'], '1');
      }
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().status, 'unavailable');
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'no credential, no database');
    } finally {
      down = false;
      await app.close();
      await db.close();
    }
    contract.assertKept();
  });
});

describe('the check that holds the test suites to the document', () => {
  it('catches an undocumented status, an undocumented content type, a body off its schema and a member the serializer drops', async () => {
    const app = Fastify();
    await app.register(swagger, { openapi: { info: { title: 't', version: '1' } } });
    const Thing = Type.Object({ id: Type.String(), size: Type.Integer() });
    app.get('/status', { schema: { response: { 200: Thing } } }, async (_request, reply) => reply.code(418 as 200).send({ id: 'x', size: 1 }));
    app.get('/type', { schema: { response: { 200: Thing } } }, async (_request, reply) => reply.type('text/csv').send('id,size\n'));
    app.get('/shape', { schema: { response: { 200: Thing } } }, async (_request, reply) => reply.type('application/json').send('{"id":"x","size":"big"}'));
    app.get('/dropped', { schema: { response: { 200: Thing } } }, async () => ({ id: 'x', size: 1, secret_sauce: true }));
    app.get('/kept', { schema: { response: { 200: Thing } } }, async () => ({ id: 'x', size: 1 }));
    const check = createContractCheck();
    check.install(app);
    await app.ready();
    for (const url of ['/status', '/type', '/shape', '/dropped', '/kept']) await app.inject(url);
    await app.close();
    const problems = check.problems();
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0]!, /^GET \/status → 418: status 418 is not documented/);
    assert.match(problems[1]!, /^GET \/type → 200: content type text\/csv is not documented/);
    assert.match(problems[2]!, /^GET \/shape → 200: the body does not match the schema: data\/size must be integer/);
    assert.match(problems[3]!, /^GET \/dropped → 200: the handler returned members the schema drops: body\.secret_sauce/);
    assert.throws(() => check.assertKept(), /answers that break the OpenAPI document/);
  });
});
