import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-app.js';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');

// 30 events: logins that alternate success and failure, by two actors.
const seed = Array.from({ length: 30 }, (_, i) => ({
  id: `e${String(i).padStart(2, '0')}`,
  action: i % 3 === 2 ? 'member.role_changed' : i % 2 ? 'login.failed' : 'login.succeeded',
  occurred_at: new Date(NOW - (30 - i) * 3_600_000).toISOString(),
  actor: { id: `user_${i % 2}`, email: i % 2 ? 'bob@example.com' : 'alice@example.com' },
  success: i % 2 === 0,
}));
type Seed = (typeof seed)[number];

for (const engine of ENGINES) {
  describe(`saved searches on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let tenantId: string;
    let other: { tenantId: string; key: string };
    const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, as = key) =>
      t.request({ method, url, key: as, ...(payload && { payload }) });
    const ids = async (query: string, as = key) => {
      const response = await send('GET', `/v1/events?limit=1000&${query}`, undefined, as);
      assert.equal(response.statusCode, 200, response.body);
      return (response.json().events as { id: string }[]).map((e) => e.id).sort();
    };
    const expected = (predicate: (e: Seed) => boolean) => seed.filter(predicate).map((e) => e.id).sort();

    before(async () => {
      t = await startTestApp(engine.name, {}, () => NOW);
      ({ key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read']));
      assert.equal((await send('POST', '/v1/events', seed)).statusCode, 201);
      other = await t.tenantWithKey(['events:write', 'audit:read'], 'other');
      assert.equal((await send('POST', '/v1/events', seed, other.key)).statusCode, 201);
    });
    after(() => t.close());

    it('creates, lists, reads, replaces and deletes a saved search', async () => {
      const created = await send('POST', '/v1/saved-searches', { name: ' Failed logins ', query: 'action:login.*', filters: { success: false } });
      assert.equal(created.statusCode, 201, created.body);
      const search = created.json();
      assert.equal(search.name, 'Failed logins');
      assert.equal(search.query, 'action:login.*');
      assert.deepEqual(search.filters, { success: false });
      assert.equal(search.created_at, new Date(NOW).toISOString());

      const listed = await send('GET', '/v1/saved-searches');
      assert.deepEqual(listed.json().saved_searches, [search]);
      assert.deepEqual((await send('GET', `/v1/saved-searches/${search.id}`)).json(), search);

      // A GET answer can be edited and PUT back as it is.
      const replaced = await send('PUT', `/v1/saved-searches/${search.id}`, { ...search, name: 'Bob', query: 'actor:bob@example.com', filters: { action: 'login.failed' } });
      assert.equal(replaced.statusCode, 200, replaced.body);
      assert.equal(replaced.json().name, 'Bob');
      assert.deepEqual(replaced.json().filters, { action: ['login.failed'] });

      assert.equal((await send('DELETE', `/v1/saved-searches/${search.id}`)).statusCode, 204);
      assert.equal((await send('GET', `/v1/saved-searches/${search.id}`)).statusCode, 404);
      assert.equal((await send('DELETE', `/v1/saved-searches/${search.id}`)).statusCode, 404);
      assert.equal((await send('PUT', `/v1/saved-searches/${search.id}`, { name: 'gone' })).statusCode, 404);
    });

    it('selects events with saved_search=ID, ANDed with q and the request filters', async () => {
      const { id } = (await send('POST', '/v1/saved-searches', { name: 'logins', query: 'action:login.*', filters: { actor_email: 'alice@example.com' } })).json();
      assert.deepEqual(await ids(`saved_search=${id}`), expected((e) => e.action.startsWith('login.') && e.actor.email === 'alice@example.com'));
      assert.deepEqual(await ids(`saved_search=${id}&q=seq:<=10`), expected((e) => e.action.startsWith('login.') && e.actor.email === 'alice@example.com' && Number(e.id.slice(1)) < 10));
      // The request's own filters narrow; they cannot replace the saved ones.
      assert.deepEqual(await ids(`saved_search=${id}&actor_email=bob@example.com`), []);
    });

    it('pages through a saved search, and an edit invalidates its old page tokens', async () => {
      const { id } = (await send('POST', '/v1/saved-searches', { name: 'all logins', query: 'action:login.*' })).json();
      const first = (await send('GET', `/v1/events?saved_search=${id}&limit=5`)).json();
      const second = await send('GET', `/v1/events?saved_search=${id}&limit=5&page_token=${first.next_page_token}`);
      assert.equal(second.statusCode, 200);
      assert.equal(second.json().events.length, 5);
      await send('PUT', `/v1/saved-searches/${id}`, { name: 'all logins', query: 'action:login.failed' });
      const stale = await send('GET', `/v1/events?saved_search=${id}&limit=5&page_token=${first.next_page_token}`);
      assert.equal(stale.statusCode, 400);
      assert.equal(stale.json().error.code, 'invalid_page_token');
    });

    it('refuses a saved search whose query does not parse, with the position', async () => {
      const response = await send('POST', '/v1/saved-searches', { name: 'broken', query: 'action:login.* OR' });
      assert.equal(response.statusCode, 400);
      const { error } = response.json();
      assert.equal(error.code, 'invalid_query');
      assert.equal(error.position, 18);
      assert.equal(error.details[0].field, 'query');
      const unknownField = await send('POST', '/v1/saved-searches', { name: 'broken', query: 'colour:red' });
      assert.equal(unknownField.json().error.code, 'invalid_query');
    });

    it('refuses bad names, filters and fields', async () => {
      const cases: [object, string][] = [
        [{ query: 'a' }, 'name'],
        [{ name: '', query: 'a' }, 'name'],
        [{ name: 'x'.repeat(201) }, 'name'],
        [{ name: 'n', query: 42 }, 'query'],
        [{ name: 'n', filters: { colour: 'red' } }, 'filters.colour'],
        [{ name: 'n', filters: { ip: '300.1.1.1' } }, 'ip'],
        [{ name: 'n', filters: { since: 'yesterday' } }, 'since'],
        [{ name: 'n', filters: { success: 'maybe' } }, 'success'],
        [{ name: 'n', filters: ['action'] }, 'filters'],
        [{ name: 'n', filter: { action: 'a' } }, 'filter'],
      ];
      for (const [body, field] of cases) {
        const response = await send('POST', '/v1/saved-searches', body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        assert.equal(response.json().error.code, 'invalid_request', JSON.stringify(body));
        assert.ok(response.json().error.details.some((d: { field?: string }) => d.field === field), `${JSON.stringify(body)}: ${response.body}`);
      }
    });

    // 40,000 actor ids were saved (201), and every use of the search then answered 500.
    it('refuses a filter of more than 1,000 values or 100 prefixes when saved, and runs one at the bounds', { timeout: 60_000 }, async () => {
      const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
      for (const [filters, field, message] of [
        [{ actor_id: ids(40_000, 'user_') }, 'actor_id', /at most 1,000 values \(40000 given\)/],
        [{ action: ids(101, 'p').map((p) => `${p}.*`) }, 'action', /at most 100 prefixes/],
      ] as const) {
        const response = await send('POST', '/v1/saved-searches', { name: 'too wide', filters });
        assert.equal(response.statusCode, 400, response.body.slice(0, 300));
        assert.equal(response.json().error.code, 'invalid_request');
        assert.match(response.json().error.details.find((d: { field?: string }) => d.field === field)?.message ?? '', message);
      }
      // Every filter at its bound, in the saved search and in the request: both engines still run it.
      const wide: Record<string, string[]> = {
        action: [...ids(900, 'a'), ...ids(100, 'p').map((p) => `${p}.*`)],
        ...Object.fromEntries(['category', 'actor_id', 'actor_email', 'target_type', 'target_id', 'target_slug'].map((name) => [name, ids(1000, 'v')])),
      };
      const created = await send('POST', '/v1/saved-searches', { name: 'wide', filters: wide });
      assert.equal(created.statusCode, 201, created.body.slice(0, 300));
      const request = Object.entries(wide).flatMap(([name, values]) => values.map((v) => `${name}=${encodeURIComponent(v)}`)).join('&');
      const response = await send('GET', `/v1/events?saved_search=${created.json().id}&${request}`);
      assert.equal(response.statusCode, 200, response.body.slice(0, 300));
      assert.equal((await send('DELETE', `/v1/saved-searches/${created.json().id}`)).statusCode, 204);
    });

    it('keeps each tenant\'s saved searches to itself', async () => {
      const { id } = (await send('POST', '/v1/saved-searches', { name: 'mine', query: 'action:login.failed' })).json();
      assert.equal((await send('GET', `/v1/saved-searches/${id}`, undefined, other.key)).statusCode, 404);
      assert.equal((await send('PUT', `/v1/saved-searches/${id}`, { name: 'stolen' }, other.key)).statusCode, 404);
      assert.equal((await send('DELETE', `/v1/saved-searches/${id}`, undefined, other.key)).statusCode, 404);
      assert.ok(!(await send('GET', '/v1/saved-searches', undefined, other.key)).json().saved_searches.some((s: { id: string }) => s.id === id));
      const used = await send('GET', `/v1/events?saved_search=${id}`, undefined, other.key);
      assert.equal(used.statusCode, 404);
      assert.equal(used.json().error.code, 'not_found');
      assert.equal((await send('GET', '/v1/events?saved_search=no-such-id')).statusCode, 404);
      assert.equal((await send('GET', `/v1/saved-searches/${id}`)).json().name, 'mine', 'still there for its owner');
    });

    it('lets the admin token act on a named tenant, and needs audit:read', async () => {
      const listed = await send('GET', `/v1/saved-searches?tenant_id=${tenantId}`, undefined, ADMIN_TOKEN);
      assert.equal(listed.statusCode, 200);
      assert.ok(listed.json().saved_searches.length > 0);
      assert.equal((await send('GET', '/v1/saved-searches', undefined, ADMIN_TOKEN)).statusCode, 400);
      const writer = await t.tenantWithKey(['events:write'], 'writer');
      assert.equal((await send('GET', '/v1/saved-searches', undefined, writer.key)).statusCode, 403);
      assert.equal((await send('POST', '/v1/saved-searches', { name: 'x' }, writer.key)).statusCode, 403);
    });
  });
}
