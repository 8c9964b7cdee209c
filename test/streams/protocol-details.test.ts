// The parts of each protocol that the common scenarios do not reach: Elastic's item-by-item answer,
// HEC's `code`, the Sentinel token kept until it expires (and fetched again after a 401), a
// webhook's 410, and the connection test's report of what the receiver said.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startHttpReceiver, waitFor, type HttpReceiver } from './http-receiver.js';
import { elasticReceiver, sentinelReceiver, splunkReceiver, webhookReceiver } from './vendor-receivers.js';

const ENV = { STELE_STREAM_RETRY_MAX_SECONDS: '1', STELE_STREAM_FAILING_AFTER_SECONDS: '0', STELE_STREAM_TIMEOUT_SECONDS: '5' };

describe('stream protocol details', () => {
  let app: TestApp;
  const receivers: HttpReceiver[] = [];
  before(async () => {
    app = await startTestApp('sqlite', ENV);
  });
  after(async () => {
    for (const r of receivers) await r.close();
    await app.close();
  });

  async function streamTo(type: string, config: Record<string, unknown>) {
    const { key } = await app.tenantWithKey(['events:write', 'audit:read', 'streams:manage']);
    const created = await app.request({ method: 'POST', url: '/v1/streams', key, payload: { name: type, type, config, filter: { actions: ['doc.*'] } } });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    const send = async (count: number) => {
      const response = await app.request({ method: 'POST', url: '/v1/events', key, payload: Array.from({ length: count }, (_, i) => ({ action: 'doc.viewed', details: { i } })) });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().events as { id: string; seq: number }[];
    };
    const status = async () => (await app.request({ method: 'GET', url: `/v1/streams/${id}`, key })).json();
    const request = (method: 'GET' | 'POST', path: string) => app.request({ method, url: `/v1/streams/${id}${path}`, key });
    return { key, id, send, status, request, secret: created.json().secret as string | undefined };
  }

  it('elastic: moves past the items accepted before one refused, re-sends from it, and counts 409 as delivered', async () => {
    const vendor = elasticReceiver();
    let refusals = 0;
    const receiver = await startHttpReceiver((r) => vendor.check(r, undefined), (r) => vendor.ok(r));
    receivers.push(receiver);
    const stream = await streamTo('elastic', vendor.config(receiver.url));
    // Item 5 of the first batch is refused with 429 twice; the items after it are indexed anyway
    // (as Elasticsearch does), so the re-sent batch gets 409 for them.
    const sent = await stream.send(10);
    const refused = sent[5]!.id;
    vendor.refuse = (id) => (id === refused && refusals++ < 2 ? 429 : undefined);
    await waitFor('every event indexed', async () => (sent.every((e) => vendor.documents.has(e.id)) && (await stream.status()).lag.events === 0 ? true : undefined));
    const bulkBodies = receiver.requests.map((r) => vendor.carried(r).map((e) => e.seq));
    // Each re-send starts at the refused item: never before it (the cursor moved past the accepted prefix).
    for (const body of bulkBodies.slice(1)) assert.equal(body[0], sent[5]!.seq);
    assert.ok(bulkBodies.length >= 3);
    const view = await stream.status();
    assert.match(view.last_error.message, /item 0, with status 429: es_rejected_execution_exception/);
    assert.deepEqual(receiver.violations, []);
  });

  it('splunk: a 200 without HEC\'s {"code":0} is not a delivery', async () => {
    let answered = 0;
    const receiver = await startHttpReceiver((r) => splunkReceiver.check(r, undefined), (r) =>
      (answered++ === 0 ? { status: 200, body: '<html>a proxy page</html>' } : splunkReceiver.ok(r)));
    receivers.push(receiver);
    const stream = await streamTo('splunk_hec', splunkReceiver.config(receiver.url));
    await stream.send(3);
    await waitFor('delivery', async () => ((await stream.status()).delivered === 3 ? true : undefined));
    assert.equal(receiver.requests.length, 2);
    assert.match((await stream.status()).last_error.message, /no HEC answer/);
  });

  it('sentinel: asks for one token and keeps it across batches; a 401 gets a new one', async () => {
    const vendor = sentinelReceiver();
    let unauthorizedOnce = false;
    let expireToken = false;
    const receiver = await startHttpReceiver((r) => vendor.check(r, undefined), (r) => {
      if (vendor.carried(r).length > 0 && expireToken && !unauthorizedOnce) {
        unauthorizedOnce = true;
        return { status: 401, body: '{"error":{"code":"InvalidToken"}}' };
      }
      return vendor.ok(r);
    });
    receivers.push(receiver);
    const stream = await streamTo('sentinel', vendor.config(receiver.url));
    for (let i = 0; i < 4; i++) {
      await stream.send(5);
      await waitFor('delivery', async () => ((await stream.status()).lag.events === 0 ? true : undefined));
    }
    assert.equal(vendor.tokensIssued(), 1, 'one token for four batches');
    expireToken = true;
    await stream.send(5);
    await waitFor('delivery after a 401', async () => ((await stream.status()).lag.events === 0 && unauthorizedOnce ? true : undefined));
    assert.equal(vendor.tokensIssued(), 2, 'a new token after the 401');
    assert.deepEqual(receiver.violations, []);
  });

  it('webhook: 410 disables the stream until it is resumed', async () => {
    let gone = true;
    const receiver = await startHttpReceiver((r) => webhookReceiver.check(r, stream?.secret), () => (gone ? { status: 410 } : { status: 200 }));
    receivers.push(receiver);
    const stream = await streamTo('webhook', webhookReceiver.config(receiver.url));
    await stream.send(2);
    await waitFor('disabled', async () => ((await stream.status()).state === 'disabled' ? true : undefined));
    const disabled = await stream.status();
    assert.match(disabled.disabled.reason, /410/);
    const events = (await app.request({ method: 'GET', url: '/v1/events?action=stream.disabled', key: stream.key })).json().events;
    assert.equal(events.length, 1);
    // Disabled means no more attempts.
    const attempts = receiver.requests.length;
    await stream.send(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(receiver.requests.length, attempts);
    gone = false;
    const resumed = await stream.request('POST', '/resume');
    assert.equal(resumed.statusCode, 200);
    await waitFor('delivery after resume', async () => ((await stream.status()).delivered === 3 ? true : undefined));
    assert.equal((await stream.status()).state, 'active');
  });

  it('test connection: really sends one event and reports the receiver\'s answer', async () => {
    let status = 202;
    const receiver = await startHttpReceiver((r) => webhookReceiver.check(r, stream?.secret), () => ({ status, body: `{"answer":${status}}`, delayMs: 50 }));
    receivers.push(receiver);
    const stream = await streamTo('webhook', webhookReceiver.config(receiver.url));
    const ok = (await stream.request('POST', '/test')).json();
    assert.equal(ok.ok, true);
    assert.equal(ok.status, 202);
    assert.equal(ok.body, '{"answer":202}');
    assert.ok(ok.latency_ms >= 50);
    const body = JSON.parse(receiver.requests[0]!.body);
    assert.equal(body.events[0].action, 'stream.test');
    assert.equal(body.events[0].id, ok.event_id);
    status = 403;
    const refused = (await stream.request('POST', '/test')).json();
    assert.equal(refused.ok, false);
    assert.equal(refused.status, 403);
    assert.match(refused.error, /HTTP 403/);
    await receiver.down();
    const unreachable = (await stream.request('POST', '/test')).json();
    assert.equal(unreachable.ok, false);
    assert.match(unreachable.error, /ECONNREFUSED|other side closed/);
    assert.equal((await stream.status()).delivered, 0, 'a test is not a delivery');
    assert.deepEqual(receiver.violations, []);
  });
});
