// The SDK's delivery against a real Stele server process on loopback: batches arrive, a server
// killed and started again in the middle of a stream loses nothing and stores nothing twice
// (checked in the store by seq and client id), the buffer-full policies, events Stele refuses by
// name, the trace id of the current request, and the seed taxonomy's helpers.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BufferFullError, createAuditClient, runInRequest, type AuditClientOptions } from '@stele/sdk';
import { eq, sql } from '../../src/sql/fragments.js';
import { ENGINES, openTestStore, type TestStore } from '../../src/store/testing/test-stores.js';
import { freePort, steleProcess, type SteleProcess } from '../helpers/stele-process.js';

const quiet: Pick<AuditClientOptions, 'onError' | 'backoff'> = { onError: () => {}, backoff: { baseMs: 50, maxMs: 400 } };

async function storedEvents(db: TestStore, tenantId: string, action: string) {
  return db.store.findEvents(tenantId, { where: eq('action', action), order: { key: 'seq', direction: 'asc' }, limit: 100_000 });
}

async function until(what: string, probe: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

for (const engine of ENGINES) {
  describe(`the SDK delivering to a Stele process on ${engine.name}`, { skip: engine.skip }, () => {
    let db: TestStore;
    let stele: SteleProcess;
    let tenantId: string;
    let key: string;
    const client = (options: AuditClientOptions = {}) => createAuditClient({ url: stele.url, apiKey: key, ...quiet, ...options });

    before(async () => {
      db = await openTestStore(engine.name);
      stele = await steleProcess(db);
      ({ tenantId, key } = await stele.tenantWithKey(['events:write', 'audit:read']));
    });
    after(async () => {
      await stele.close();
      await db.close();
    });

    it('sends what record() took in batches, each event once with its client id and time', async () => {
      const audit = client({ batchSize: 40 });
      const before = Date.now();
      for (let i = 0; i < 100; i++) audit.record({ action: 'sdk.batched', actor: { id: `u${i % 3}` }, details: { i } });
      await audit.flush();
      const stored = await storedEvents(db, tenantId, 'sdk.batched');
      // Batches in flight together may be stored in either order; each event keeps the time it was recorded.
      assert.deepEqual(stored.map((e) => e.details!.i as number).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
      assert.equal(new Set(stored.map((e) => e.id)).size, 100);
      for (const event of stored) {
        assert.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUIDv7 made by the SDK');
        assert.ok(Date.parse(event.occurred_at) >= before - 1 && Date.parse(event.occurred_at) <= Date.parse(event.received_at), 'the time of record(), not of delivery');
      }
      assert.deepEqual(audit.stats(), { recorded: 100, delivered: 100, rejected: 0, dropped: 0, buffered: 0, spilled: 0, failures: 0 });
      assert.deepEqual(await audit.close(), { delivered: 100, spilled: 0, lost: 0 });
    });

    it('loses nothing and stores nothing twice when Stele is killed and started again mid-stream', async () => {
      const audit = client({ batchSize: 50, flushIntervalMs: 20 });
      const TOTAL = 3000;
      let recorded = 0;
      const producer = (async () => {
        while (recorded < TOTAL) {
          for (let k = 0; k < 10; k++) audit.record({ action: 'sdk.restart', details: { i: recorded++ } });
          await sleep(5);
        }
      })();
      await until('a third is delivered', () => audit.stats().delivered >= 1000);
      await stele.stop('SIGKILL'); // batches in flight are cut off: committed or not, the SDK cannot know
      await until('the SDK notices', () => audit.stats().failures > 0);
      await sleep(300);
      assert.ok(audit.stats().buffered > 0, 'events wait in memory while Stele is down');
      await stele.start();
      await producer;
      await audit.flush();
      const result = await audit.close();
      assert.equal(result.lost, 0);

      const stored = await storedEvents(db, tenantId, 'sdk.restart');
      const numbers = stored.map((e) => e.details!.i as number);
      assert.equal(stored.length, TOTAL, 'each event stored exactly once');
      assert.deepEqual([...numbers].sort((a, b) => a - b), Array.from({ length: TOTAL }, (_, i) => i), 'none lost');
      assert.equal(new Set(stored.map((e) => e.id)).size, TOTAL, 'no client id twice');
      const seqs = stored.map((e) => e.seq);
      assert.ok(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!), 'seqs increase');
      assert.equal(new Set(seqs).size, TOTAL, 'no seq twice');
      // The log is whole: the tenant's seqs run from 1 without a gap.
      const all = await db.store.findEvents(tenantId, { where: sql('1 = 1'), order: { key: 'seq', direction: 'asc' }, limit: 100_000 });
      assert.deepEqual(all.map((e) => e.seq), Array.from({ length: all.length }, (_, i) => i + 1));
    });

    it('sends the rest of a batch when Stele refuses one event by name, and reports that one', async () => {
      const refused: string[] = [];
      const audit = client({ onRejected: (rejected) => refused.push(...rejected.map(({ event, error }) => `${event.action}: ${error.message}`)) });
      audit.record({ action: 'sdk.partial', details: { n: 1 } });
      audit.record({ action: 'not valid!', details: { n: 2 } });
      audit.record({ action: 'sdk.partial', context: { ip: 'not an address' } });
      audit.record({ action: 'sdk.partial', details: { n: 3 } });
      await audit.flush();
      await audit.close();
      assert.deepEqual((await storedEvents(db, tenantId, 'sdk.partial')).map((e) => e.details?.n), [1, 3]);
      assert.equal(refused.length, 2);
      assert.match(refused[0]!, /^not valid!: action may contain only/);
      assert.match(refused[1]!, /^sdk.partial: context.ip must be an IPv4 or IPv6 address/);
      assert.equal(audit.stats().rejected, 2);
    });

    it('is idempotent across clients: the same events sent again are stored once', async () => {
      const events = Array.from({ length: 5 }, (_, i) => ({ id: `fixed-${i}`, action: 'sdk.resend', occurred_at: '2026-01-01T00:00:00.000Z', details: { i } }));
      for (let round = 0; round < 2; round++) {
        const audit = client();
        for (const event of events) audit.record(event);
        await audit.close();
      }
      assert.equal((await storedEvents(db, tenantId, 'sdk.resend')).length, 5);
    });

    it('carries the trace id of the current request into context.request_id, and the helpers set action and success', async () => {
      const audit = client();
      runInRequest({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, () => {
        audit.team.roleChanged({ actor: { id: 'admin_1' }, target: { type: 'user', id: 'u_2' }, details: { from_role: 'viewer', to_role: 'admin' } });
      });
      runInRequest({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }, () => audit.auth.loginFailed({ actor: { id: 'eve' } }));
      audit.auth.loginSucceeded({ actor: { id: 'ada' }, context: { request_id: 'mine' } });
      await audit.close();
      const [changed] = await storedEvents(db, tenantId, 'member.role_changed');
      assert.equal(changed!.context?.request_id, '4bf92f3577b34da6a3ce929d0e0e4736');
      assert.equal(changed!.success, true);
      assert.equal(changed!.category, 'authorization');
      const [failed] = await storedEvents(db, tenantId, 'login.failed');
      assert.equal(failed!.success, false);
      assert.equal(failed!.context, undefined, 'an all-zero trace id is not a trace id');
      assert.equal((await storedEvents(db, tenantId, 'login.succeeded'))[0]!.context?.request_id, 'mine');
    });
  });
}

describe('the buffer-full policies, with Stele unreachable', () => {
  let db: TestStore;
  let stele: SteleProcess | undefined;
  let url: string;
  let key: string;
  let tenantId: string;

  before(async () => {
    db = await openTestStore('sqlite');
    stele = await steleProcess(db);
    ({ tenantId, key } = await stele.tenantWithKey(['events:write', 'audit:read']));
    url = stele.url;
    await stele.stop();
  });
  after(async () => {
    await stele?.close();
    await db.close();
  });
  const unreachable = (options: AuditClientOptions) => createAuditClient({ url, apiKey: key, ...quiet, maxBufferedEvents: 10, closeTimeoutMs: 200, ...options });

  it('drop: keeps the first events and counts the others', async () => {
    const audit = unreachable({ onBufferFull: 'drop' });
    for (let i = 0; i < 15; i++) assert.equal(audit.record({ action: 'sdk.drop' }), undefined);
    assert.equal(audit.stats().dropped, 5);
    assert.equal(audit.stats().buffered, 10);
    assert.deepEqual(await audit.close(), { delivered: 0, spilled: 0, lost: 10 });
  });

  it('throw: refuses the event with BufferFullError (fail closed)', async () => {
    const audit = unreachable({ onBufferFull: 'throw' });
    for (let i = 0; i < 10; i++) audit.record({ action: 'sdk.throw' });
    assert.throws(() => audit.record({ action: 'sdk.throw' }), BufferFullError);
    assert.equal(audit.stats().buffered, 10);
    await audit.close();
    assert.throws(() => audit.record({ action: 'sdk.throw' }), /closed/);
  });

  it('block: record() returns a promise that resolves once Stele takes events again', async () => {
    const audit = unreachable({ onBufferFull: 'block', closeTimeoutMs: 20_000 });
    for (let i = 0; i < 10; i++) assert.equal(audit.record({ action: 'sdk.block', details: { i } }), undefined);
    let admitted = false;
    const waiting = audit.record({ action: 'sdk.block', details: { i: 10 } });
    assert.ok(waiting instanceof Promise);
    void waiting.then(() => (admitted = true));
    await until('a failed attempt', () => audit.stats().failures > 0);
    await sleep(200);
    assert.equal(admitted, false, 'no room while Stele is down');
    await stele!.start();
    await waiting;
    await audit.flush();
    await audit.close();
    assert.deepEqual((await storedEvents(db, tenantId, 'sdk.block')).map((e) => e.details!.i), Array.from({ length: 11 }, (_, i) => i));
    await stele!.stop();
  });

  it('goes on after a retry wait whose timer fires before the wall clock says the wait is over', async () => {
    // Timers count from the event loop's cached time, so under load one may fire a few ms before
    // Date.now() reaches the end of the wait; a clock stepped back does the same, for longer. The
    // client must not then stay paused with no timer left to wake it (it once did, forever).
    const audit = unreachable({ backoff: { baseMs: 200, maxMs: 200 } });
    const realNow = Date.now;
    try {
      audit.record({ action: 'sdk.early_timer' });
      await until('a failed attempt', () => audit.stats().failures > 0);
      // From here the wall clock stands still: every retry wait ends, by the clock, after its timer fired.
      const frozen = realNow();
      Date.now = () => frozen;
      await stele!.start();
      await audit.flush(10_000);
      assert.equal(audit.stats().delivered, 1);
    } finally {
      Date.now = realNow;
      await audit.close();
      await stele!.stop();
    }
  });

  it('close() gives up after closeTimeoutMs and says what was lost', async () => {
    const audit = createAuditClient({ url: `http://127.0.0.1:${await freePort()}`, apiKey: key, ...quiet, closeTimeoutMs: 300 });
    audit.record({ action: 'sdk.lost' });
    const started = Date.now();
    assert.deepEqual(await audit.close(), { delivered: 0, spilled: 0, lost: 1 });
    assert.ok(Date.now() - started < 5000);
  });
});


describe("the server's Retry-After, against later failures", () => {
  it('waits out a 503 Retry-After even when a batch in flight then fails with a shorter backoff', async () => {
    // Two batches in flight: Stele answers the first 503 with Retry-After: 2, and the connection of
    // the second is reset just after. The reset's own backoff (~100 ms) must not cut the 2 s short.
    const { createServer } = await import('node:http');
    const arrivals: number[] = [];
    let firstRefusal = 0;
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        arrivals.push(Date.now());
        if (arrivals.length === 1) {
          firstRefusal = Date.now();
          response.writeHead(503, { 'retry-after': '2', 'content-type': 'application/json' });
          response.end('{"error":{"code":"unavailable","message":"busy"}}');
        } else if (arrivals.length === 2) {
          setTimeout(() => request.socket.destroy(), 50);
        } else {
          response.writeHead(201, { 'content-type': 'application/json' });
          response.end('{}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const audit = createAuditClient({ url: `http://127.0.0.1:${port}`, apiKey: 'k', ...quiet, batchSize: 10, maxInFlight: 2 });
    try {
      for (let i = 0; i < 20; i++) audit.record({ action: 'sdk.retry_after' });
      await audit.flush(20_000);
      assert.equal(audit.stats().delivered, 20);
      const retries = arrivals.slice(2);
      assert.ok(retries.length > 0);
      assert.ok(retries.every((at) => at - firstRefusal >= 1900), `a batch was sent again ${Math.min(...retries) - firstRefusal} ms after Stele said to wait 2 s`);
    } finally {
      await audit.close();
      server.close();
    }
  });
});
