// The syslog destination against Debian's rsyslog, over TCP and over TLS: every field of every
// message as rsyslog parsed it (PRI, version, timestamp, host, app, msgid, structured data, MSG),
// JSON, CEF and LEEF payloads, seq order, and nothing lost while rsyslog is down.

import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { waitFor } from './http-receiver.js';
import { RSYSLOG_SKIP, startRsyslog, type Rsyslog } from './rsyslog.js';

const ENV = { STELE_STREAM_RETRY_MAX_SECONDS: '1', STELE_STREAM_FAILING_AFTER_SECONDS: '0', STELE_STREAM_TIMEOUT_SECONDS: '5' };

describe('syslog stream to rsyslog', { skip: RSYSLOG_SKIP }, () => {
  let app: TestApp;
  let tcp: Rsyslog;
  let tls: Rsyslog;
  before(async () => {
    app = await startTestApp('sqlite', ENV);
    tcp = await startRsyslog();
    tls = await startRsyslog({ tls: true });
  });
  after(async () => {
    await app?.close();
    await tcp?.close();
    await tls?.close();
  });

  async function streamTo(receiver: Rsyslog, config: Record<string, unknown>, format: string) {
    const { key, tenantId } = await app.tenantWithKey(['events:write', 'audit:read', 'streams:manage']);
    const created = await app.request({
      method: 'POST', url: '/v1/streams', key,
      payload: { name: 'qradar', type: 'syslog', format, config: { host: '127.0.0.1', port: receiver.port, app_name: 'stele-audit', ...config }, filter: { categories: ['data'] } },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    const sent: { id: string; seq: number }[] = [];
    return {
      tenantId, sent,
      async send(count: number) {
        const response = await app.request({
          method: 'POST', url: '/v1/events', key,
          payload: Array.from({ length: count }, (_, i) => ({ action: 'report.downloaded', actor: { email: 'ada@example.com' }, details: { i, text: 'é | = \\ "q" ]' } })),
        });
        assert.equal(response.statusCode, 201, response.body);
        sent.push(...(response.json().events as { id: string; seq: number }[]));
      },
      status: async () => (await app.request({ method: 'GET', url: `/v1/streams/${id}`, key })).json(),
    };
  }

  /** The messages rsyslog wrote for this tenant, in arrival order. */
  const messagesOf = (receiver: Rsyslog, tenantId: string) =>
    receiver.parsed().filter((m) => JSON.parse(m.sd_json)['stele@32473']?.tenant === tenantId);

  function assertArrivedInOrder(receiver: Rsyslog, tenantId: string, sent: { id: string; seq: number }[]) {
    const ids: string[] = [];
    for (const m of messagesOf(receiver, tenantId)) {
      const id = JSON.parse(m.sd_json)['stele@32473'].id as string;
      if (!ids.includes(id)) ids.push(id);
    }
    assert.deepEqual(ids, sent.map((e) => e.id));
  }

  it('sends RFC 5424 messages that rsyslog parses field by field, JSON payload, in seq order', async () => {
    const stream = await streamTo(tcp, {}, 'json');
    await stream.send(750);
    await stream.send(750);
    await waitFor('1500 messages in rsyslog', () => (messagesOf(tcp, stream.tenantId).length >= 1500 ? true : undefined));
    const messages = messagesOf(tcp, stream.tenantId);
    assert.equal(messages.length, 1500);
    assertArrivedInOrder(tcp, stream.tenantId, stream.sent);
    const first = messages[0]!;
    const event = JSON.parse(first.msg);
    assert.equal(first.pri, String(13 * 8 + 6)); // facility audit, informational
    assert.equal(first.ver, '1');
    assert.equal(first.ts, event.occurred_at);
    assert.equal(first.host, hostname());
    assert.equal(first.app, 'stele-audit');
    assert.equal(first.procid, String(process.pid));
    assert.equal(first.msgid, 'audit');
    assert.deepEqual(JSON.parse(first.sd_json), { 'stele@32473': { id: event.id, seq: String(event.seq), tenant: stream.tenantId } });
    assert.equal(event.details.text, 'é | = \\ "q" ]');
    assert.equal(event.id, stream.sent[0]!.id);
    assert.ok(event.leaf_hash, 'the event as the API returns it, hashes included');
  });

  it('sends CEF and LEEF 2.0 payloads', async () => {
    const cef = await streamTo(tcp, { facility: 'local4' }, 'cef');
    const leef = await streamTo(tcp, {}, 'leef');
    await cef.send(3);
    await leef.send(3);
    await waitFor('CEF and LEEF messages', () => (messagesOf(tcp, cef.tenantId).length === 3 && messagesOf(tcp, leef.tenantId).length === 3 ? true : undefined));
    const c = messagesOf(tcp, cef.tenantId)[0]!;
    assert.equal(c.pri, String(20 * 8 + 6));
    assert.match(c.msg, /^CEF:0\|Stele\|AuditLog\|[^|]+\|report\.downloaded\|Report downloaded\|3\|/);
    assert.ok(c.msg.includes(`externalId=${cef.sent[0]!.id}`));
    assert.ok(c.msg.includes(`cn1Label=seq cn1=${cef.sent[0]!.seq}`));
    const l = messagesOf(tcp, leef.tenantId)[0]!;
    assert.match(l.msg, /^LEEF:2\.0\|Stele\|AuditLog\|[^|]+\|report\.downloaded\|\^\|/);
    assert.ok(l.msg.includes(`auditId=${leef.sent[0]!.id}^`));
  });

  it('sends over TLS (RFC 5425), checking the receiver\'s certificate against the given CA', async () => {
    const stream = await streamTo(tls, { tls: true, ca: tls.ca }, 'json');
    await stream.send(20);
    await waitFor('20 messages over TLS', () => (messagesOf(tls, stream.tenantId).length >= 20 ? true : undefined));
    assertArrivedInOrder(tls, stream.tenantId, stream.sent);
  });

  it('refuses to send over TLS to a receiver whose certificate it cannot check', async () => {
    const stream = await streamTo(tls, { tls: true }, 'json');
    await stream.send(1);
    await waitFor('a certificate failure', async () => ((await stream.status()).last_error ? true : undefined));
    assert.match((await stream.status()).last_error.message, /certificate/i);
    assert.equal(messagesOf(tls, stream.tenantId).length, 0);
  });

  it('keeps everything while rsyslog is down and catches up in order once it is back', async () => {
    const stream = await streamTo(tcp, {}, 'json');
    await stream.send(50);
    await waitFor('first messages', () => (messagesOf(tcp, stream.tenantId).length >= 50 ? true : undefined));
    await tcp.stop();
    await stream.send(200);
    await waitFor('failing', async () => ((await stream.status()).state === 'failing' ? true : undefined));
    await tcp.start();
    await waitFor('every message after the outage', () => (new Set(messagesOf(tcp, stream.tenantId).map((m) => m.sd_json)).size >= 250 ? true : undefined));
    assertArrivedInOrder(tcp, stream.tenantId, stream.sent);
    await waitFor('active again', async () => ((await stream.status()).state === 'active' ? true : undefined));
  });
});
