// What a client sends is what Stele stores and hashes: a client that keeps the JSON text it sent
// can compute the event's leaf hash itself (RFC 8785 over its own fields plus the ones the server
// adds) and get the hash the server stored, on either engine.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CanonicalEvent } from '../../src/domain/event.js';
import { leafHashOf } from '@stele/integrity';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const UNUSUAL = [
  '🚀👩‍💻 astral and joined', 'e\u0301 vs \u00e9 (not normalised)', 'line\u2028separator\u2029', '\ufeffBOM inside', 'non-character \uffff',
  '\u202eright-to-left override', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'control \u0001\u001f and "quotes" \\ backslash', '日本語', 'zero\u200bwidth',
].join(' | ');

for (const engine of ENGINES) {
  describe(`what is stored is what was sent, on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;

    before(async () => {
      t = await startTestApp(engine.name);
      ({ key } = await t.tenantWithKey(['events:write', 'audit:read', 'audit:export']));
    });
    after(() => t.close());

    /** Sends JSON text as is; returns what the client can compute and what the server stored. */
    async function sendAndRead(text: string) {
      const sent = await t.request({ method: 'POST', url: '/v1/events', key, headers: { 'content-type': 'application/json' }, payload: text });
      assert.equal(sent.statusCode, 201, sent.body);
      const { id } = sent.json().events[0];
      const stored = (await t.request({ method: 'GET', url: `/v1/events/${encodeURIComponent(id)}`, key })).json();
      // The client's own fields as it sent them, plus the fields the server adds.
      const clientEvent = {
        ...JSON.parse(text),
        tenant_id: stored.tenant_id, seq: stored.seq, id: stored.id, category: stored.category, received_at: stored.received_at,
      } as CanonicalEvent;
      return { clientEvent, stored };
    }

    it('hashes the largest exact integers, a time with milliseconds and unusual Unicode as sent', async () => {
      const text = JSON.stringify({
        id: `client-${engine.name}-1`,
        action: 'document.signed',
        occurred_at: '2026-05-01T12:00:00.123Z',
        actor: { id: 'ü-ser', name: UNUSUAL },
        details: { big: 9007199254740991, small: -9007199254740991, fraction: 0.1, tiny: 5e-324, text: UNUSUAL, [UNUSUAL]: [UNUSUAL] },
      });
      const { clientEvent, stored } = await sendAndRead(text);
      assert.equal(stored.occurred_at, '2026-05-01T12:00:00.123Z');
      assert.equal(stored.details.big, 9007199254740991);
      assert.equal(stored.details.text, UNUSUAL);
      assert.equal(Buffer.from(leafHashOf(clientEvent)).toString('hex'), stored.leaf_hash);
    });

    it('keeps __proto__ and constructor as ordinary detail keys, hashed as sent', async () => {
      const text = `{"id":"proto-${engine.name}","action":"config.changed","occurred_at":"2026-05-01T12:00:00.001Z","details":{"__proto__":{"admin":true},"constructor":{"prototype":1},"x":1}}`;
      const { clientEvent, stored } = await sendAndRead(text);
      // A resend is recognised as the same event, and one with another __proto__ as a different one.
      const resend = (body: string) => t.request({ method: 'POST', url: '/v1/events', key, headers: { 'content-type': 'application/json' }, payload: body });
      assert.equal((await resend(text)).json().events[0].seq, stored.seq);
      assert.equal((await resend(text.replace('"admin":true', '"admin":false'))).statusCode, 409);
      assert.deepEqual(Object.keys(stored.details).sort(), ['__proto__', 'constructor', 'x']);
      assert.deepEqual(stored.details.__proto__, { admin: true });
      assert.equal(Buffer.from(leafHashOf(clientEvent)).toString('hex'), stored.leaf_hash);
      const verified = await t.request({ method: 'POST', url: '/v1/integrity/verify', key, payload: {} });
      assert.equal(verified.json().ok, true, verified.body);
      const exported = await t.request({ method: 'GET', url: '/v1/events/export?format=ndjson&action=config.changed', key });
      assert.equal(exported.statusCode, 200, exported.body);
      const line = JSON.parse(exported.body.trim().split('\n').at(-1)!);
      assert.deepEqual(line.details, stored.details);
      assert.equal(line.leaf_hash, stored.leaf_hash);
    });

    it('reads back an event by the longest client id it accepts, in any script', async () => {
      const id = `${engine.name}-${'𝔘'.repeat(30)}${'é'.repeat(128 - engine.name.length - 1 - 60)}`;
      assert.equal(id.length, 128);
      const { stored } = await sendAndRead(JSON.stringify({ id, action: 'a.b', occurred_at: '2026-05-01T12:00:00.000Z' }));
      assert.equal(stored.id, id);
    });

    it('stores another offset or trailing zeros as the same instant in UTC milliseconds, as the README says', async () => {
      const { stored } = await sendAndRead('{"action":"a.b","occurred_at":"2026-05-01t14:00:00.120000+02:00"}');
      assert.equal(stored.occurred_at, '2026-05-01T12:00:00.120Z');
    });
  });
}
