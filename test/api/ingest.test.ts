import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const roleChange = {
  action: 'member.role_changed',
  occurred_at: '2026-05-01T12:00:00.123Z',
  actor: { id: 'user_123', type: 'user', email: 'admin@example.com', name: 'Ada', role: 'admin' },
  target: { type: 'user', id: 'user_456', name: 'john@example.com', slug: 'john', version: '3' },
  context: { ip: '192.0.2.10', user_agent: 'Mozilla/5.0', method: 'POST', url: '/api/members/456/role', http_status: 200 },
  success: true,
  details: { from_role: 'viewer', to_role: 'editor' },
};

// Text PostgreSQL cannot shrink by compressing it: code points picked by a linear congruential
// generator, three bytes of UTF-8 each (CJK ideographs) or two (U+0100..U+07FF).
const scattered = (length: number, first: number, span: number, seed: number) => {
  let x = seed;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8;
  return Array.from({ length }, () => String.fromCodePoint(first + (next() % span))).join('');
};
const cjk = (length: number, seed = 1) => scattered(length, 0x4e00, 0x5000, seed);
const twoByte = (length: number, seed = 1) => scattered(length, 0x100, 0x700, seed);

for (const engine of ENGINES) {
  describe(`POST /v1/events on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let tenantId: string;
    const send = (payload: unknown, k = key) => t.request({ method: 'POST', url: '/v1/events', key: k, payload: payload as object });
    // The log's size, read from the store: reading it over the API would itself add a data.accessed.
    const count = async () => (await t.db.store.getHead(tenantId)).size;

    before(async () => {
      t = await startTestApp(engine.name);
      ({ key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read']));
    });
    after(() => t.close());

    it('stores one event and answers 201 with its id and seq', async () => {
      const response = await send(roleChange);
      assert.equal(response.statusCode, 201);
      const [stored] = response.json().events;
      assert.equal(stored.seq, 3, 'after the tenant\'s and its key\'s creation');
      const read = await t.request({ method: 'GET', url: `/v1/events/${stored.id}`, key });
      assert.equal(read.statusCode, 200);
      const event = read.json();
      assert.deepEqual(
        { action: event.action, occurred_at: event.occurred_at, actor: event.actor, target: event.target, context: event.context, success: event.success, details: event.details },
        roleChange,
      );
      assert.equal(event.category, 'authorization');
    });

    it('answers a batch in input order with consecutive seqs', async () => {
      const before = await count();
      const response = await send(Array.from({ length: 5 }, (_, i) => ({ action: `doc.created`, details: { i } })));
      assert.equal(response.statusCode, 201);
      assert.deepEqual(response.json().events.map((e: { seq: number }) => e.seq), [1, 2, 3, 4, 5].map((i) => before + i));
    });

    it('uses the receive time when occurred_at is missing', async () => {
      const startedAt = Date.now();
      const [stored] = (await send({ action: 'user.logout' })).json().events;
      const event = (await t.request({ method: 'GET', url: `/v1/events/${stored.id}`, key })).json();
      assert.equal(event.occurred_at, event.received_at);
      assert.ok(Date.parse(event.occurred_at) >= startedAt - 5);
    });

    it('makes a resend with the same id a no-op and refuses the same id with other content', async () => {
      const first = await send({ ...roleChange, id: 'client-1' });
      const again = await send({ ...roleChange, id: 'client-1' });
      assert.equal(again.statusCode, 201);
      assert.deepEqual(again.json(), first.json());
      const before = await count();
      const conflict = await send([{ action: 'fresh.event' }, { ...roleChange, id: 'client-1', success: false }]);
      assert.equal(conflict.statusCode, 409);
      assert.equal(conflict.json().error.code, 'idempotency_conflict');
      assert.equal(conflict.json().error.details[0].index, 1);
      assert.equal(await count(), before, 'nothing of the batch was stored');
    });

    it('rejects a batch with one bad event whole, naming each bad event and field', async () => {
      const before = await count();
      const response = await send([
        { action: 'fine' },
        { action: '', actor: { id: 5 } },
        { action: 'ok', context: { ip: 'not-an-ip', http_status: 99 }, extra: true },
      ]);
      assert.equal(response.statusCode, 400);
      const { error } = response.json();
      assert.equal(error.code, 'invalid_event');
      const problems = error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`).sort();
      assert.deepEqual(problems, ['1:action', '1:actor.id', '2:context.http_status', '2:context.ip', '2:extra']);
      assert.equal(await count(), before);
    });

    it('rejects occurred_at more than five minutes in the future', async () => {
      const response = await send({ action: 'a', occurred_at: new Date(Date.now() + 10 * 60_000).toISOString() });
      assert.equal(response.statusCode, 400);
      assert.equal(response.json().error.details[0].field, 'occurred_at');
      assert.equal((await send({ action: 'a', occurred_at: new Date(Date.now() + 60_000).toISOString() })).statusCode, 201);
    });

    it('refuses repeated ids inside one batch, malformed JSON and non-objects', async () => {
      assert.equal((await send([{ id: 'x', action: 'a' }, { id: 'x', action: 'a' }])).statusCode, 400);
      const bad = await t.request({ method: 'POST', url: '/v1/events', key, headers: { 'content-type': 'application/json' }, payload: '{"action":' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'invalid_request');
      assert.equal((await send([1, 'two'])).statusCode, 400);
      assert.equal((await send([])).statusCode, 400);
    });

    it('answers 413 for more than 1,000 events or an oversized body', async () => {
      const tooMany = await send(Array.from({ length: 1001 }, () => ({ action: 'a' })));
      assert.equal(tooMany.statusCode, 413);
      assert.equal(tooMany.json().error.code, 'payload_too_large');
      const huge = await send({ action: 'a', details: { blob: 'x'.repeat(6 * 1024 * 1024) } });
      assert.equal(huge.statusCode, 413);
    });

    it('enforces the configured limits on strings, depth and details size', async () => {
      let deep: Record<string, unknown> = { leaf: 1 };
      for (let i = 0; i < 12; i++) deep = { deep };
      assert.equal((await send({ action: 'a', details: deep })).statusCode, 400);
      assert.equal((await send({ action: 'a', actor: { name: 'n'.repeat(1025) } })).statusCode, 400);
      assert.equal((await send({ action: 'a', details: { big: 'x'.repeat(70_000) } })).statusCode, 400);
      assert.equal((await send({ action: 'a', details: { nul: 'a\u0000b' } })).statusCode, 400);
    });

    it('refuses actor.id, actor.email and target.id over 2,048 bytes of UTF-8 with a 400 naming each, and stores them up to that size', async () => {
      const before = await count();
      const refused = await send({
        action: 'doc.shared',
        actor: { id: cjk(1024), email: cjk(683), name: cjk(1024) },
        target: { id: twoByte(1023) + cjk(1) },
      });
      assert.equal(refused.statusCode, 400, refused.body);
      const { error } = refused.json();
      assert.equal(error.code, 'invalid_event');
      assert.deepEqual(error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`).sort(), ['0:actor.email', '0:actor.id', '0:target.id']);
      assert.match(error.details.find((d: { field: string }) => d.field === 'actor.id').message, /3072 bytes.*at most 2048/);
      assert.equal(await count(), before, 'nothing was stored');

      // Exactly 2,048 bytes each (1,024 two-byte characters), and a 1,024-character name that no index holds.
      const largest = { action: 'doc.shared', actor: { id: twoByte(1024), email: twoByte(1024, 7), name: cjk(1024) }, target: { id: twoByte(1024, 13) } };
      const stored = await send(largest);
      assert.equal(stored.statusCode, 201, stored.body);
      const read = (await t.request({ method: 'GET', url: `/v1/events/${stored.json().events[0].id}`, key })).json();
      assert.deepEqual({ actor: read.actor, target: read.target }, { actor: largest.actor, target: largest.target });
    });
  });

  describe(`configurable limits on ${engine.name}`, { skip: engine.skip }, () => {
    it('applies STELE_MAX_BATCH_SIZE and STELE_MAX_CLOCK_SKEW_SECONDS', async () => {
      const t = await startTestApp(engine.name, { STELE_MAX_BATCH_SIZE: '2', STELE_MAX_CLOCK_SKEW_SECONDS: '0' });
      try {
        const { key } = await t.tenantWithKey(['events:write']);
        const send = (payload: object) => t.request({ method: 'POST', url: '/v1/events', key, payload });
        assert.equal((await send([{ action: 'a' }, { action: 'b' }, { action: 'c' }])).statusCode, 413);
        assert.equal((await send({ action: 'a', occurred_at: new Date(Date.now() + 30_000).toISOString() })).statusCode, 400);
      } finally {
        await t.close();
      }
    });
  });
}
