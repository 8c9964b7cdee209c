// Every HTTP destination against a receiver that checks the vendor's documented protocol, through
// the real app: events arrive complete and in seq order, and nothing is lost when the receiver is
// down for a while, answers 500 before 200, is slow, or asks for time with 429 + Retry-After.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applicationEvents } from '../helpers/self-audit.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startHttpReceiver, waitFor, type HttpReceiver, type Reply } from './http-receiver.js';
import {
  datadogReceiver, elasticReceiver, sentinelReceiver, splunkReceiver, sumoReceiver, webhookReceiver, type Carried, type VendorReceiver,
} from './vendor-receivers.js';

const ENV = { STELE_STREAM_RETRY_MAX_SECONDS: '1', STELE_STREAM_FAILING_AFTER_SECONDS: '0', STELE_STREAM_TIMEOUT_SECONDS: '5' };

interface Setup {
  receiver: HttpReceiver;
  vendor: VendorReceiver;
  key: string;
  streamId: string;
  /** Events the app was sent, in seq order. */
  sent: Carried[];
  secret?: string;
}

/** Requests the receiver accepted (answered as the vendor does when all is well). */
const acceptedRequests = new WeakSet<object>();

/** The events the receiver accepted, in arrival order (a re-sent batch appears twice). */
const arrivals = (setup: Setup) => setup.receiver.requests.filter((r) => acceptedRequests.has(r)).flatMap((r) => setup.vendor.carried(r));

/** Nothing lost, nothing out of order: the first arrival of each event is in seq order, and all are there. */
function assertCompleteAndOrdered(setup: Setup): void {
  const seen = new Set<string>();
  const firsts: Carried[] = [];
  for (const event of arrivals(setup)) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    firsts.push(event);
  }
  const expected = setup.sent.map((e) => e.id);
  assert.deepEqual(firsts.filter((e) => expected.includes(e.id)).map((e) => e.id), expected);
  const seqs = firsts.map((e) => e.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'first arrivals are in seq order');
  assert.deepEqual(setup.receiver.violations, []);
}

const VENDORS: (() => VendorReceiver)[] = [() => webhookReceiver, () => splunkReceiver, () => datadogReceiver, elasticReceiver, () => sumoReceiver, sentinelReceiver];

for (const makeVendor of VENDORS) {
  const vendorName = makeVendor().type;
  describe(`${vendorName} stream`, () => {
    let app: TestApp;
    const setups: Setup[] = [];
    before(async () => {
      app = await startTestApp('sqlite', ENV);
    });
    after(async () => {
      for (const setup of setups) await setup.receiver.close();
      await app.close();
    });

    /** A tenant, a receiver speaking the vendor's protocol, and a stream to it. */
    type Request = Parameters<VendorReceiver['ok']>[0];
    async function setUp(respond?: (ok: (r: Request) => Reply, vendor: VendorReceiver) => (request: Request, index: number) => Reply): Promise<Setup> {
      const vendor = makeVendor();
      const setup = { vendor, sent: [] } as unknown as Setup;
      const accept = (request: Request): Reply => {
        const reply = vendor.ok(request);
        acceptedRequests.add(request);
        return reply;
      };
      setup.receiver = await startHttpReceiver((r) => vendor.check(r, setup.secret), respond ? respond(accept, vendor) : accept);
      const { key } = await app.tenantWithKey(['events:write', 'audit:read', 'streams:manage']);
      const created = await app.request({
        method: 'POST', url: '/v1/streams', key,
        payload: { name: `to ${vendor.type}`, type: vendor.type, config: vendor.config(setup.receiver.url), filter: { actions: ['doc.*'] } },
      });
      assert.equal(created.statusCode, 201, created.body);
      Object.assign(setup, { key, streamId: created.json().id, secret: created.json().secret });
      setups.push(setup);
      return setup;
    }

    async function send(setup: Setup, count: number, batch = 500): Promise<void> {
      for (let i = 0; i < count; i += batch) {
        const n = Math.min(batch, count - i);
        const response = await app.request({
          method: 'POST', url: '/v1/events', key: setup.key,
          payload: Array.from({ length: n }, (_, j) => ({ action: 'doc.viewed', actor: { id: 'u1', email: 'ada@example.com' }, details: { n: i + j, note: 'é ü ✓' } })),
        });
        assert.equal(response.statusCode, 201, response.body);
        setup.sent.push(...(response.json().events as { id: string; seq: number }[]).map(({ id, seq }) => ({ id, seq })));
      }
    }

    const status = async (setup: Setup) => (await app.request({ method: 'GET', url: `/v1/streams/${setup.streamId}`, key: setup.key })).json();
    const delivered = (setup: Setup) => waitFor(`${setup.sent.length} events at the ${vendorName} receiver`, async () => {
      const ids = new Set(arrivals(setup).map((e) => e.id));
      return setup.sent.every((e) => ids.has(e.id)) && (await status(setup)).lag.events === 0 ? true : undefined;
    }, 30_000);
    const selfAudit = async (setup: Setup, action: string) =>
      (await app.request({ method: 'GET', url: `/v1/events?action=${action}`, key: setup.key })).json().events as { details: Record<string, unknown> }[];

    it('delivers every matching event in seq order, in requests within the vendor\'s limits', async () => {
      const setup = await setUp();
      await send(setup, 2500);
      await delivered(setup);
      assertCompleteAndOrdered(setup);
      const requests = setup.receiver.requests.filter((r) => acceptedRequests.has(r) && setup.vendor.carried(r).length > 0);
      for (const r of requests) {
        assert.ok(setup.vendor.carried(r).length <= setup.vendor.limits.events);
        assert.ok(Buffer.byteLength(r.body) <= setup.vendor.limits.bytes);
      }
      // Only the application's events matched the filter: no self-audit event went out.
      assert.ok(arrivals(setup).every((e) => setup.sent.some((s) => s.id === e.id)));
      const view = await status(setup);
      assert.equal(view.state, 'active');
      assert.equal(view.cursor, view.head);
      assert.ok(view.delivered >= 2500);
    });

    it('keeps everything while the receiver is down, says it is failing, and catches up in order when it is back', async () => {
      const setup = await setUp();
      await send(setup, 200);
      await delivered(setup);
      await setup.receiver.down();
      await send(setup, 700, 100);
      await waitFor('the stream to be failing', async () => ((await status(setup)).state === 'failing' ? true : undefined));
      const failing = await status(setup);
      assert.ok(failing.last_error.message.length > 0);
      assert.ok(failing.lag.events >= 700);
      assert.equal((await selfAudit(setup, 'stream.failing')).length, 1);
      await setup.receiver.up();
      await delivered(setup);
      assertCompleteAndOrdered(setup);
      await waitFor('stream.recovered', async () => ((await selfAudit(setup, 'stream.recovered')).length === 1 ? true : undefined));
      assert.equal((await status(setup)).state, 'active');
    });

    it('retries a batch answered 500 until it gets a 2xx, and keeps the error', async () => {
      // The first two requests fail (for Sentinel, the first is the token request: that is retried too).
      const setup = await setUp((ok) => (request, index) => (index < 2 ? { status: 500, body: '{"error":"internal"}' } : ok(request)));
      await send(setup, 300);
      await delivered(setup);
      assertCompleteAndOrdered(setup);
      const view = await status(setup);
      assert.equal(view.last_error.status, 500);
      assert.match(view.last_error.message, /500/);
      assert.equal(view.failures, 0);
    });

    it('waits for a slow receiver and loses nothing', async () => {
      const setup = await setUp((ok) => (request) => ({ ...ok(request), delayMs: 400 }));
      await send(setup, 600, 200);
      await delivered(setup);
      assertCompleteAndOrdered(setup);
    });

    it('honours 429 with Retry-After before trying again', async () => {
      let busyOnce = false;
      const setup = await setUp((ok, vendor) => (request) => {
        if (busyOnce || vendor.carried(request).length === 0) return ok(request);
        busyOnce = true;
        return vendor.busy(2);
      });
      await send(setup, 50);
      await delivered(setup);
      assertCompleteAndOrdered(setup);
      const deliveries = setup.receiver.requests.filter((r) => setup.vendor.carried(r).length > 0);
      const [refused, retried] = deliveries;
      assert.ok(retried!.at - refused!.at >= 1900, `retried after ${retried!.at - refused!.at} ms despite Retry-After: 2`);
    });
  });
}
