// Headers on every answer (src/http/security-headers.ts), the pages' own (the dashboard, /embed,
// /docs), the session cookie's name and attributes (src/dashboard/cookies.ts), /robots.txt, and
// /metrics behind STELE_METRICS_TOKEN.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { cookieOf, createUser } from '../dashboard/dashboard-helpers.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

function assertEveryAnswerHeaders(response: LightMyRequestResponse, cacheControl = 'no-store'): void {
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['referrer-policy'], 'no-referrer');
  assert.equal(response.headers['cache-control'], cacheControl);
  assert.equal(response.headers['strict-transport-security'], undefined, 'no HSTS over plain http');
}

describe('headers on every answer', () => {
  let t: TestApp;
  let key: string;
  let tenantId: string;

  before(async () => {
    t = await startTestApp('sqlite', { STELE_TRUSTED_PROXIES: '10.0.0.1' });
    ({ key, tenantId } = await t.tenantWithKey(['audit:read', 'events:write']));
    await createUser(t.db.store, tenantId, 'ada@example.com', PASSWORD, 'org_admin');
  });
  after(() => t.close());

  it('sends nosniff, no referrer and no-store on JSON answers, errors, 404s and the health checks', async () => {
    assertEveryAnswerHeaders(await t.request({ method: 'GET', url: '/v1/events', key }));
    assertEveryAnswerHeaders(await t.request({ method: 'POST', url: '/v1/events', key, payload: { action: 'a' } }));
    assertEveryAnswerHeaders(await t.request({ method: 'GET', url: '/v1/events' }), 'no-store');
    assertEveryAnswerHeaders(await t.request({ method: 'GET', url: '/v1/nothing-here', key }));
    assertEveryAnswerHeaders(await t.request({ method: 'GET', url: '/v1/events?limt=1', key }));
    assertEveryAnswerHeaders(await t.request({ method: 'GET', url: '/healthz' }));
    assertEveryAnswerHeaders(await t.request({ method: 'GET', url: '/openapi.json' }), 'no-cache');
  });

  it('never lets a cache keep the session answer, which holds the CSRF token', async () => {
    const signedIn = await t.request({ method: 'POST', url: '/v1/session', payload: { email: 'ada@example.com', password: PASSWORD } });
    assertEveryAnswerHeaders(signedIn);
    const me = await t.request({ method: 'GET', url: '/v1/session', headers: { cookie: cookieOf(signedIn.headers['set-cookie']) } });
    assert.equal(me.statusCode, 200);
    assert.ok(me.json().csrf_token);
    assertEveryAnswerHeaders(me);
  });

  it('sends HSTS when a trusted proxy says the request came over https, and only then', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const proxied = await t.app.inject({ method: 'GET', url: '/healthz', headers: https, remoteAddress: '10.0.0.1' });
    assert.equal(proxied.headers['strict-transport-security'], 'max-age=31536000');
    const api = await t.app.inject({ method: 'GET', url: '/v1/events', headers: { ...https, authorization: `Bearer ${key}` }, remoteAddress: '10.0.0.1' });
    assert.equal(api.headers['strict-transport-security'], 'max-age=31536000');
    const forged = await t.app.inject({ method: 'GET', url: '/healthz', headers: https, remoteAddress: '192.0.2.7' });
    assert.equal(forged.headers['strict-transport-security'], undefined, 'X-Forwarded-Proto from anyone else is not believed');
    const plain = await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.1' });
    assert.equal(plain.headers['strict-transport-security'], undefined);
  });

  it('keeps the dashboard unframeable with its own window, and the embeddable viewer frameable', async () => {
    const dashboard = await t.request({ method: 'GET', url: '/' });
    assert.match(String(dashboard.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(dashboard.headers['x-frame-options'], 'DENY');
    assert.equal(dashboard.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(dashboard.headers['x-content-type-options'], 'nosniff');
    const embed = await t.request({ method: 'GET', url: '/embed' });
    assert.match(String(embed.headers['content-security-policy']), /frame-ancestors \*/);
    assert.equal(embed.headers['x-frame-options'], undefined);
    assert.equal(embed.headers['cross-origin-opener-policy'], undefined);
    assert.equal(embed.headers['referrer-policy'], 'no-referrer');
    assert.equal(embed.headers['cache-control'], 'no-store');
  });

  it('gives the API docs a CSP that allows only their own scripts and no framing', async () => {
    const docs = await t.request({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    const csp = String(docs.headers['content-security-policy']);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'(?: 'sha256-[^']+')*;/, 'scripts from its own files only');
    assert.match(csp, /script-src-attr 'none'/);
    assert.doesNotMatch(csp, /unsafe-eval|https:|validator\.swagger\.io/);
    assert.equal(docs.headers['x-frame-options'], 'DENY');
    assert.equal(docs.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(docs.headers['x-content-type-options'], 'nosniff');
  });

  it('answers /robots.txt with Disallow: /', async () => {
    const robots = await t.request({ method: 'GET', url: '/robots.txt' });
    assert.equal(robots.statusCode, 200);
    assert.match(String(robots.headers['content-type']), /^text\/plain/);
    assert.equal(robots.body, 'User-agent: *\nDisallow: /\n');
  });
});

describe('the session cookie', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { STELE_TRUSTED_PROXIES: '10.0.0.1' });
    const { tenantId } = await t.tenantWithKey(['audit:read']);
    await createUser(t.db.store, tenantId, 'ada@example.com', PASSWORD, 'viewer');
  });
  after(() => t.close());

  const signIn = (headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/v1/session', payload: { email: 'ada@example.com', password: PASSWORD }, headers, remoteAddress });

  it('is stele_session without Secure over plain http on loopback, so `npm start` signs in, and reads events', async () => {
    for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080']) {
      const response = await signIn({ host });
      assert.equal(response.statusCode, 200, response.body);
      const cookie = String(response.headers['set-cookie']);
      assert.match(cookie, /^stele_session=sts_[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/, host);
      const events = await t.app.inject({ method: 'GET', url: '/v1/events', headers: { host, cookie: cookieOf(cookie) } });
      assert.equal(events.statusCode, 200, events.body);
    }
  });

  it('is __Host-stele_session and Secure when reached by another name, or over https through a trusted proxy', async () => {
    const byName = String((await signIn({ host: 'audit.example.com' })).headers['set-cookie']);
    assert.match(byName, /^__Host-stele_session=sts_[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    const overHttps = String((await signIn({ host: 'audit.example.com', 'x-forwarded-proto': 'https' }, '10.0.0.1')).headers['set-cookie']);
    assert.match(overHttps, /^__Host-stele_session=.*; Secure$/);
    const loopbackProxy = String((await signIn({ host: '127.0.0.1', 'x-forwarded-proto': 'https' })).headers['set-cookie']);
    assert.match(loopbackProxy, /^__Host-stele_session=.*; Secure$/, 'a TLS proxy on the same machine still gets a Secure cookie');
    const fromAfar = String((await signIn({ host: '127.0.0.1' }, '192.0.2.9')).headers['set-cookie']);
    assert.match(fromAfar, /^__Host-stele_session=.*; Secure$/, 'a loopback name reached from another machine is no loopback');
  });

  it('takes a cookie without the prefix for no session off loopback, and the prefixed one everywhere', async () => {
    const plain = cookieOf((await signIn({ host: '127.0.0.1' })).headers['set-cookie']);
    const secure = cookieOf((await signIn({ host: 'audit.example.com' })).headers['set-cookie']);
    const me = (cookie: string, host: string) => t.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie, host } });
    assert.equal((await me(plain, 'audit.example.com')).statusCode, 401, 'a sibling subdomain could have planted it');
    assert.equal((await me(secure, 'audit.example.com')).statusCode, 200);
    assert.equal((await me(secure, '127.0.0.1')).statusCode, 200);
  });

  it('clears the cookie it set on sign-out', async () => {
    const response = await signIn({ host: 'audit.example.com' });
    const out = await t.app.inject({
      method: 'DELETE', url: '/v1/session',
      headers: { host: 'audit.example.com', cookie: cookieOf(response.headers['set-cookie']), 'x-stele-csrf': response.json().csrf_token },
    });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers['set-cookie']), /^__Host-stele_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0; Secure$/);
  });
});

describe('the session cookie with STELE_COOKIE_SECURE=true', () => {
  it('is __Host-stele_session and Secure on plain-http loopback too', async () => {
    // The dashboard reads its settings from the environment (dashboard-config.ts).
    process.env.STELE_COOKIE_SECURE = 'true';
    const t = await startTestApp('sqlite');
    try {
      const { tenantId } = await t.tenantWithKey(['audit:read']);
      await createUser(t.db.store, tenantId, 'ada@example.com', PASSWORD, 'viewer');
      const response = await t.app.inject({ method: 'POST', url: '/v1/session', headers: { host: '127.0.0.1:8080' }, payload: { email: 'ada@example.com', password: PASSWORD } });
      assert.match(String(response.headers['set-cookie']), /^__Host-stele_session=sts_[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
      const me = await t.app.inject({ method: 'GET', url: '/v1/session', headers: { host: '127.0.0.1:8080', cookie: cookieOf(response.headers['set-cookie']) } });
      assert.equal(me.statusCode, 200);
    } finally {
      delete process.env.STELE_COOKIE_SECURE;
      await t.close();
    }
  });
});

describe('/metrics', () => {
  it('answers anyone without STELE_METRICS_TOKEN', async () => {
    const t = await startTestApp('sqlite');
    try {
      const metrics = await t.request({ method: 'GET', url: '/metrics' });
      assert.equal(metrics.statusCode, 200);
      assert.match(metrics.body, /stele_http_requests_total/);
    } finally {
      await t.close();
    }
  });

  it('asks for the bearer token when STELE_METRICS_TOKEN is set, and never takes another credential for it', async () => {
    const t = await startTestApp('sqlite', { STELE_METRICS_TOKEN: METRICS_TOKEN });
    try {
      for (const key of [undefined, 'wrong-token-0123456789abcdef', ADMIN_TOKEN]) {
        const refused = await t.request({ method: 'GET', url: '/metrics', ...(key && { key }) });
        assert.equal(refused.statusCode, 401, key);
        assert.equal(refused.json().error.code, 'unauthenticated');
        assert.equal(refused.headers['www-authenticate'], 'Bearer realm="stele metrics"');
      }
      const scraped = await t.request({ method: 'GET', url: '/metrics', key: METRICS_TOKEN });
      assert.equal(scraped.statusCode, 200);
      assert.match(String(scraped.headers['content-type']), /^text\/plain/);
      assert.match(scraped.body, /stele_events_ingested_total/);
      assert.equal(scraped.headers['www-authenticate'], undefined);
    } finally {
      await t.close();
    }
  });

  it('refuses a token short enough to guess at start', () => {
    assert.throws(() => loadConfig({ STELE_METRICS_TOKEN: 'short' }), /at least 16 characters/);
    assert.equal(loadConfig({}).metricsToken, undefined);
  });
});
