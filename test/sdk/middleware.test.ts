// The SDK's API-call middleware in a real Express app, a real Fastify app and a plain node:http
// server, each sending to a real Stele: one event per call (seed 001's fields), the actor and
// target from the hooks, skipped routes left out, allow-listed fields kept and the rest redacted,
// and the request's trace id on the call's event and on events the handler records.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { createAuditClient, steleExpress, steleFastify, withApiAudit, type AllowList, type AuditClient, type StoredEvent } from '@stele/sdk';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const allow: AllowList = { query: ['page'], requestHeaders: ['content-type'], requestBody: ['email', 'profile.name'], responseBody: ['id'] };
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function call(base: string, path: string, init: { method?: string; body?: unknown; user?: string } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      traceparent: `00-${TRACE}-00f067aa0ba902b7-01`, 'user-agent': 'middleware-test/1', authorization: 'Bearer app-session-token',
      ...(init.user && { 'x-user': init.user }),
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('API-call middleware', () => {
  let stele: TestApp;
  let audit: AuditClient;
  let key: string;
  const servers: { close(): unknown }[] = [];

  before(async () => {
    stele = await startTestApp('sqlite');
    await stele.app.listen({ host: '127.0.0.1', port: 0 });
    ({ key } = await stele.tenantWithKey(['events:write', 'audit:read']));
    audit = createAuditClient({ url: urlOf(stele.app.server), apiKey: key, onError: () => {} });
  });
  after(async () => {
    await audit.close();
    for (const server of servers) await server.close();
    await stele.close();
  });

  async function callsOf(prefix: string): Promise<StoredEvent[]> {
    await audit.flush();
    const events: StoredEvent[] = [];
    for await (const event of audit.events.list({ action: 'api.request', sort: 'seq', order: 'asc' })) {
      if (event.context?.url?.startsWith(prefix)) events.push(event);
    }
    return events;
  }

  async function innerEvent(action: string): Promise<StoredEvent> {
    await audit.flush();
    const [event] = await audit.events.list({ action }).pages()[Symbol.asyncIterator]().next().then((page) => page.value!.events);
    return event!;
  }

  /** What every framework must record for POST {prefix}/users/42. */
  function assertUserCall(event: StoredEvent, prefix: string, route: string) {
    assert.deepEqual(event.actor, { id: 'alice', type: 'user' });
    assert.deepEqual(event.target, { type: 'user', id: '42' });
    assert.equal(event.success, true);
    assert.equal(event.category, 'data');
    assert.deepEqual({ ...event.context, ip: undefined }, {
      method: 'POST', url: `${prefix}/users/42?page=2&token=[redacted]`, http_status: 201, request_id: TRACE, user_agent: 'middleware-test/1', ip: undefined,
    });
    assert.match(event.context!.ip!, /127\.0\.0\.1$/);
    const details = event.details as Record<string, any>;
    assert.equal(details.route, route);
    assert.ok(Date.parse(details.started_at) <= Date.parse(details.ended_at));
    assert.equal(details.duration_ms, Date.parse(details.ended_at) - Date.parse(details.started_at));
    assert.equal(event.occurred_at, details.started_at);
    assert.equal(details.request.headers['content-type'], 'application/json');
    assert.equal(details.request.headers.authorization, '[redacted]');
    assert.equal(details.request.headers['x-user'], '[redacted]');
    assert.deepEqual(details.request.query, { page: '2', token: '[redacted]' });
    assert.deepEqual(details.request.body, { email: 'alice@example.com', password: '[redacted]', profile: { name: 'Alice', age: '[redacted]' } });
  }

  const user = { email: 'alice@example.com', password: 'hunter2', profile: { name: 'Alice', age: 37 } };

  it('records every call of an Express app, with hooks, allow-list and trace id', async () => {
    const app = express();
    app.use(steleExpress(audit, {
      actor: (req) => (req.headers['x-user'] ? { id: String(req.headers['x-user']), type: 'user' } : undefined),
      target: (req) => (req.params?.id ? { type: 'user', id: String(req.params.id) } : undefined),
      skip: (req) => req.path === '/express/health',
      allow,
    }));
    app.use(express.json());
    app.get('/express/health', (_req, res) => void res.send('ok'));
    app.post('/express/users/:id', (req, res) => {
      audit.record({ action: 'express.handler', details: { id: req.params.id } });
      res.status(201).json({ id: req.params.id, secret: 'do not log' });
    });
    app.get('/express/forbidden', (_req, res) => void res.status(403).json({ error: 'no' }));
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    const base = urlOf(server);

    assert.equal(await call(base, '/express/health'), 200);
    assert.equal(await call(base, '/express/users/42?page=2&token=abc', { method: 'POST', body: user, user: 'alice' }), 201);
    assert.equal(await call(base, '/express/forbidden'), 403);

    const calls = await callsOf('/express');
    assert.deepEqual(calls.map((e) => e.context?.url), ['/express/users/42?page=2&token=[redacted]', '/express/forbidden'], 'the health check is skipped');
    assertUserCall(calls[0]!, '/express', '/express/users/:id');
    assert.deepEqual((calls[0]!.details as Record<string, any>).response.body, { id: '42', secret: '[redacted]' });
    assert.equal(calls[1]!.success, false);
    assert.equal(calls[1]!.context?.http_status, 403);
    assert.equal(calls[1]!.actor, undefined);
    assert.equal((await innerEvent('express.handler')).context?.request_id, TRACE, 'record() in the handler carries the trace id');
  });

  it('records every call of a Fastify app the same way', async () => {
    const app: FastifyInstance = Fastify();
    await app.register(steleFastify(audit, {
      actor: (request) => (request.headers['x-user'] ? { id: String(request.headers['x-user']), type: 'user' } : undefined),
      target: (request) => {
        const id = (request as unknown as { params?: { id?: string } }).params?.id;
        return id ? { type: 'user', id } : undefined;
      },
      skip: (request) => request.url === '/fastify/health',
      allow,
    }));
    app.get('/fastify/health', async () => 'ok');
    app.post('/fastify/users/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      audit.record({ action: 'fastify.handler', details: { id } });
      return reply.status(201).send({ id, secret: 'do not log' });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    servers.push(app);
    const base = urlOf(app.server);

    assert.equal(await call(base, '/fastify/health'), 200);
    assert.equal(await call(base, '/fastify/users/42?page=2&token=abc', { method: 'POST', body: user, user: 'alice' }), 201);
    assert.equal(await call(base, '/fastify/nowhere'), 404);

    const calls = await callsOf('/fastify');
    assert.deepEqual(calls.map((e) => e.context?.url), ['/fastify/users/42?page=2&token=[redacted]', '/fastify/nowhere']);
    assertUserCall(calls[0]!, '/fastify', '/fastify/users/:id');
    assert.deepEqual((calls[0]!.details as Record<string, any>).response.body, { id: '42', secret: '[redacted]' });
    assert.equal(calls[1]!.context?.http_status, 404);
    assert.equal(calls[1]!.success, false);
    assert.equal((await innerEvent('fastify.handler')).context?.request_id, TRACE);
  });

  it('records every call of a plain node:http server, the route from its hook', async () => {
    const server = createServer(withApiAudit(audit, (request, response) => {
      audit.record({ action: 'node.handler' });
      response.writeHead(request.url?.startsWith('/node/users/') ? 201 : 404, { 'content-type': 'text/plain' }).end('done');
    }, {
      actor: (request) => (request.headers['x-user'] ? { id: String(request.headers['x-user']), type: 'user' } : undefined),
      target: (request) => {
        const id = /^\/node\/users\/([^/?]+)/.exec(request.url ?? '')?.[1];
        return id ? { type: 'user', id } : undefined;
      },
      route: (request) => (request.url?.startsWith('/node/users/') ? '/node/users/:id' : undefined),
      allow,
    }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    assert.equal(await call(urlOf(server), '/node/users/42?page=2&token=abc', { method: 'POST', body: user, user: 'alice' }), 201);

    const [event] = await callsOf('/node');
    assert.deepEqual(event!.actor, { id: 'alice', type: 'user' });
    assert.deepEqual(event!.target, { type: 'user', id: '42' });
    assert.equal(event!.context?.url, '/node/users/42?page=2&token=[redacted]');
    assert.equal(event!.context?.request_id, TRACE);
    const details = event!.details as Record<string, any>;
    assert.equal(details.route, '/node/users/:id');
    assert.deepEqual(details.request.query, { page: '2', token: '[redacted]' });
    assert.equal(details.request.body, undefined, 'node:http hands no parsed body');
    assert.equal((await innerEvent('node.handler')).context?.request_id, TRACE);
  });
});
