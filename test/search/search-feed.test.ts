import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// The feed selects events through the same selector as GET /v1/events, so q and saved_search
// narrow it the same way.
const seed = Array.from({ length: 20 }, (_, i) => ({
  id: `e${String(i).padStart(2, '0')}`,
  action: i % 2 ? 'login.failed' : 'document.viewed',
  actor: { id: `user_${i % 4}` },
}));

for (const engine of ENGINES) {
  describe(`searching the feed on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    const feedIds = async (query: string) => {
      const response = await t.request({ method: 'GET', url: `/v1/events/feed?limit=1000&${query}`, key });
      assert.equal(response.statusCode, 200, response.body);
      return (response.json().events as { id: string }[]).map((e) => e.id);
    };

    before(async () => {
      t = await startTestApp(engine.name);
      ({ key } = await t.tenantWithKey(['events:write', 'audit:read']));
      assert.equal((await t.request({ method: 'POST', url: '/v1/events', key, payload: seed })).statusCode, 201);
    });
    after(() => t.close());

    it('narrows the feed with q and with a saved search', async () => {
      const want = seed.filter((e, i) => e.action === 'login.failed' && i % 4 === 1).map((e) => e.id);
      assert.deepEqual(await feedIds(`q=${encodeURIComponent('action:login.* actor.id:user_1')}`), want);
      const saved = await t.request({ method: 'POST', url: '/v1/saved-searches', key, payload: { name: 'failed', query: 'actor.id:user_1', filters: { action: 'login.failed' } } });
      assert.deepEqual(await feedIds(`saved_search=${saved.json().id}`), want);
    });

    it('answers a bad q on the feed with invalid_query', async () => {
      const response = await t.request({ method: 'GET', url: '/v1/events/feed?q=action%3A', key });
      assert.equal(response.statusCode, 400);
      assert.equal(response.json().error.code, 'invalid_query');
      assert.equal(response.json().error.position, 8);
    });
  });
}
