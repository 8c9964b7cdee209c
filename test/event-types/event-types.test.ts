// Event types a tenant declares (PUT /v1/event-types/{action}): versioned JSON Schemas checked at
// ingest with a 400 naming the field, the policy for undeclared actions, the listing in
// /v1/events/filters, the self-audit events, scopes and tenant isolation, on both engines.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';

const invoicePaid = {
  description: 'An invoice was paid',
  details_schema: {
    type: 'object',
    required: ['amount', 'currency'],
    properties: { amount: { type: 'number', minimum: 0 }, currency: { enum: ['EUR', 'USD'] } },
    additionalProperties: false,
  },
  target_schema: { type: 'object', required: ['type', 'id'], properties: { type: { const: 'invoice' } } },
};

for (const engine of ENGINES) {
  describe(`event types on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let tenantId: string;
    let publisher: string;
    let other: { tenantId: string; key: string };
    const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, as = key) =>
      t.request({ method, url, key: as, ...(payload !== undefined && { payload: payload as object }) });
    const actionsOfLog = async (prefix: string) => {
      const response = await send('GET', `/v1/events?action=${prefix}*&limit=1000&sort=seq&order=asc`);
      return response.json().events as { action: string; details: Record<string, unknown>; actor: { type: string }; target: Record<string, string> }[];
    };
    const paid = (details: object, extra: object = {}) => ({ action: 'invoice.paid', target: { type: 'invoice', id: 'inv_1' }, details, ...extra });

    before(async () => {
      t = await startTestApp(engine.name);
      ({ key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read', 'event_types:manage']));
      publisher = (await t.request({ method: 'POST', url: `/v1/tenants/${tenantId}/keys`, key: ADMIN_TOKEN, payload: { name: 'publisher', scopes: ['events:write'] } })).json().key;
      other = await t.tenantWithKey(['events:write', 'audit:read', 'event_types:manage'], 'other');
    });
    after(() => t.close());

    it('declares a type (201, version 1), and the same declaration again changes nothing (200)', async () => {
      const created = await send('PUT', '/v1/event-types/invoice.paid', invoicePaid);
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().version, 1);
      assert.equal(created.json().category, 'payment');
      assert.deepEqual(created.json().details_schema, invoicePaid.details_schema);
      const again = await send('PUT', '/v1/event-types/invoice.paid', created.json());
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json().version, 1);
      assert.deepEqual((await send('GET', '/v1/event-types/invoice.paid')).json(), created.json());
    });

    it('takes events that match and refuses, whole, a batch with one that does not, naming the field', async () => {
      assert.equal((await send('POST', '/v1/events', paid({ amount: 120, currency: 'EUR' }))).statusCode, 201);
      const refused = await send('POST', '/v1/events', [
        paid({ amount: 5, currency: 'USD' }),
        paid({ amount: -1, currency: 'GBP', note: 'x' }),
        { action: 'invoice.paid', target: { type: 'order', id: 'o1' } },
      ]);
      assert.equal(refused.statusCode, 400, refused.body);
      const { error } = refused.json();
      assert.equal(error.code, 'invalid_event');
      const fields = error.details.map((d: { index: number; field: string }) => `${d.index} ${d.field}`).sort();
      assert.deepEqual(fields, ['1 details.amount', '1 details.currency', '1 details.note', '2 details.amount', '2 details.currency', '2 target.type']);
      assert.match(error.details.find((d: { field: string }) => d.field === 'details.currency').message, /must be one of "EUR","USD" \(event type invoice.paid v1\)/);
      assert.match(error.details.find((d: { index: number; field: string }) => d.index === 2 && d.field === 'details.amount').message, /is required/);
      // Nothing of the refused batch was stored.
      assert.equal((await actionsOfLog('invoice.')).length, 1);
    });

    it('keeps every version: a change is version 2 and applies at once, version 1 stays readable', async () => {
      const changed = await send('PUT', '/v1/event-types/invoice.paid', { ...invoicePaid, details_schema: { ...invoicePaid.details_schema, properties: { ...invoicePaid.details_schema.properties, currency: { enum: ['EUR', 'USD', 'GBP'] } } } });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.equal(changed.json().version, 2);
      assert.equal((await send('POST', '/v1/events', paid({ amount: 7, currency: 'GBP' }))).statusCode, 201);
      const first = await send('GET', '/v1/event-types/invoice.paid?version=1');
      assert.deepEqual(first.json().details_schema.properties.currency, { enum: ['EUR', 'USD'] });
      assert.equal((await send('GET', '/v1/event-types/invoice.paid?version=3')).statusCode, 404);
      assert.equal((await send('GET', '/v1/event-types/invoice.paid?version=zero')).statusCode, 400);
    });

    it('refuses schemas it cannot run safely or at all, naming the field', async () => {
      const cases: [string, object, RegExp][] = [
        ['details_schema', { details_schema: { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } } } }, /regular expressions are not accepted/],
        ['details_schema', { details_schema: { patternProperties: { '^x': {} } } }, /regular expressions/],
        ['target_schema', { target_schema: { type: 'thing' } }, /not a usable JSON Schema/],
        ['actor_schema', { actor_schema: { properties: { id: { type: 'string', format: 'email' } } } }, /could make validation slow/],
        ['details_schema', { details_schema: { $async: true, type: 'object' } }, /\$async/],
        ['details_schema', { details_schema: 'object' }, /must be a JSON Schema object/],
        ['details_schema', { details_schema: { $id: 'loop', $ref: '#' } }, /Maximum call stack/],
        ['details_schema', { details_schema: { definitions: { a: { $ref: '#/definitions/a' } }, $ref: '#/definitions/a' } }, /not a usable JSON Schema/],
        ['details_schema', { details_schema: { type: 'object', properties: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`field_${i}`, { type: 'string' }])) } }, /bytes/],
        ['colour', { colour: 'red' }, /unknown field/],
        ['action', { action: 'other.action' }, /the action in the URL/],
      ];
      for (const [field, body, message] of cases) {
        const response = await send('PUT', '/v1/event-types/bad.type', body);
        assert.equal(response.statusCode, 400, `${field}: ${response.body}`);
        const detail = response.json().error.details.find((d: { field: string }) => d.field === field);
        assert.ok(detail, `${field} named in ${response.body}`);
        assert.match(detail.message, message);
      }
      // A property named like a refused keyword is just a property.
      const named = await send('PUT', '/v1/event-types/search.run', { details_schema: { type: 'object', properties: { pattern: { type: 'string', maxLength: 100 } } } });
      assert.equal(named.statusCode, 201, named.body);
      assert.equal((await send('PUT', '/v1/event-types/bad%20action', {})).statusCode, 400);
      assert.equal((await send('GET', '/v1/event-types/bad.type')).statusCode, 404);
    });

    it('refuses actions nobody declared when the tenant says so, but never the registry\'s own', async () => {
      assert.equal((await send('GET', '/v1/event-type-policy')).json().unknown_actions, 'allow');
      assert.equal((await send('PUT', '/v1/event-type-policy', { unknown_actions: 'sometimes' })).statusCode, 400);
      assert.equal((await send('PUT', '/v1/event-type-policy', { unknown_actions: 'reject' })).json().unknown_actions, 'reject');
      const refused = await send('POST', '/v1/events', [{ action: 'login.failed' }, { action: 'invented.action' }, paid({ amount: 1, currency: 'EUR' })]);
      assert.equal(refused.statusCode, 400, refused.body);
      assert.deepEqual(refused.json().error.details.map((d: { index: number; field: string }) => [d.index, d.field]), [[1, 'action']]);
      assert.match(refused.json().error.details[0].message, /not a declared event type/);
      assert.equal((await send('POST', '/v1/events', [{ action: 'login.failed' }, { action: 'member.role_changed' }, paid({ amount: 1, currency: 'EUR' })])).statusCode, 201);
      // Stele's own events are not the application's: they are written whatever the policy.
      assert.equal((await send('PUT', '/v1/event-types/search.run', { description: 'A search ran' })).statusCode, 200);
      assert.equal((await send('PUT', '/v1/event-type-policy', { unknown_actions: 'allow' })).statusCode, 200);
      assert.equal((await send('POST', '/v1/events', { action: 'invented.action' })).statusCode, 201);
    });

    it('lists the declared types in /v1/events/filters and GET /v1/event-types', async () => {
      const filters = (await send('GET', '/v1/events/filters')).json();
      assert.equal(filters.unknown_actions, 'allow');
      assert.deepEqual(filters.event_types.map((type: { action: string; version: number }) => [type.action, type.version]), [['invoice.paid', 2], ['search.run', 2]]);
      assert.equal(filters.event_types[1].description, 'A search ran');
      const list = (await send('GET', '/v1/event-types')).json();
      assert.deepEqual(list.event_types.map((type: { action: string }) => type.action), ['invoice.paid', 'search.run']);
    });

    it('lets a publisher key read the types but not change them', async () => {
      assert.equal((await send('GET', '/v1/event-types', undefined, publisher)).statusCode, 200);
      assert.equal((await send('PUT', '/v1/event-types/new.type', {}, publisher)).statusCode, 403);
      assert.equal((await send('PUT', '/v1/event-type-policy', { unknown_actions: 'reject' }, publisher)).statusCode, 403);
      assert.equal((await send('DELETE', '/v1/event-types/invoice.paid', undefined, publisher)).statusCode, 403);
    });

    it('keeps tenants apart: another tenant neither sees nor is bound by these types', async () => {
      assert.deepEqual((await send('GET', '/v1/event-types', undefined, other.key)).json().event_types, []);
      assert.equal((await send('GET', '/v1/event-types/invoice.paid', undefined, other.key)).statusCode, 404);
      assert.equal((await send('POST', '/v1/events', { action: 'invoice.paid', details: { anything: true } }, other.key)).statusCode, 201);
      assert.equal((await send('GET', `/v1/event-types?tenant_id=${tenantId}`, undefined, other.key)).statusCode, 404);
    });

    it('removes a type: its events are no longer checked, its versions stay readable', async () => {
      assert.equal((await send('DELETE', '/v1/event-types/invoice.paid')).statusCode, 204);
      assert.equal((await send('DELETE', '/v1/event-types/invoice.paid')).statusCode, 404);
      assert.equal((await send('GET', '/v1/event-types/invoice.paid')).statusCode, 404);
      assert.equal((await send('GET', '/v1/event-types/invoice.paid?version=2')).statusCode, 200);
      assert.equal((await send('POST', '/v1/events', { action: 'invoice.paid', details: { free: 'form' } })).statusCode, 201);
      const again = await send('PUT', '/v1/event-types/invoice.paid', invoicePaid);
      assert.equal(again.statusCode, 201);
      assert.equal(again.json().version, 4, 'version numbers never repeat');
    });

    it('records every change in the tenant\'s log', async () => {
      const events = await actionsOfLog('event_type.');
      assert.deepEqual(events.map((e) => `${e.action} ${e.target.id} ${e.target.version ?? ''}`), [
        'event_type.created invoice.paid 1',
        'event_type.updated invoice.paid 2',
        'event_type.created search.run 1',
        'event_type.policy_changed ' + tenantId + ' ',
        'event_type.updated search.run 2',
        'event_type.policy_changed ' + tenantId + ' ',
        'event_type.deleted invoice.paid 2',
        'event_type.created invoice.paid 4',
      ]);
      assert.deepEqual(events[1]!.details, { version: 2, from_version: 1, changed: ['details_schema'], description: 'An invoice was paid' });
      assert.deepEqual(events[3]!.details, { unknown_actions: { from: 'allow', to: 'reject' } });
      assert.equal(events[0]!.actor.type, 'api_key');
    });

    it('gives an action named like an Object member an ordinary category', async () => {
      const sent = await send('POST', '/v1/events', { id: 'ctor-1', action: 'constructor' });
      assert.equal(sent.statusCode, 201, sent.body);
      assert.equal((await send('GET', '/v1/events/ctor-1')).json().category, 'custom');
    });
  });
}
