// GET /v1/events/histogram and /v1/events/top against counts worked out here from the seed, and
// offset paging of GET /v1/events, on both engines.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const DAY = 86_400_000;
// The application's events end an hour before NOW; Stele's own (the tenant, its key, the reads) are at NOW.
const WINDOW = 'since=2026-05-02T00:00:00Z&until=2026-06-01T00:00:00Z';
const APP_ONLY = `${WINDOW}&category=authentication,resource`;

// 90 events, one every 8 hours from 2026-05-02: three actions, four actors, a few IPs, logins failing every third time.
const seed = Array.from({ length: 90 }, (_, i) => ({
  id: `e${String(i).padStart(2, '0')}`,
  action: ['login.succeeded', 'login.failed', 'document.deleted'][i % 3]!,
  occurred_at: new Date(Date.parse('2026-05-02T00:00:00Z') + i * 8 * 3_600_000 + 1234).toISOString(),
  actor: i % 4 === 3 ? { email: 'noid@example.com', type: 'api_key' } : { id: `user_${i % 4}`, email: `user${i % 4}@example.com`, type: 'user' },
  target: { type: i % 2 ? 'document' : 'user', id: `t${i % 5}`, name: `Target ${i % 5}` },
  context: { ip: i % 5 === 0 ? '10.1.2.3' : `192.0.2.${i % 7}` },
  success: i % 3 !== 1,
}));
const category = (action: string) => (action.startsWith('login') ? 'authentication' : 'resource');

interface Histogram { interval: string; interval_ms: number; since: string; until: string; total: number; failures: number; buckets: { start: string; count: number; failures: number; by_category: Record<string, number> }[] }
interface Top { field: string; values: { value: string; count: number; failures: number; email?: string; type?: string; name?: string }[] }

for (const engine of ENGINES) {
  describe(`activity and offset paging on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    const get = async <T>(url: string, status = 200): Promise<T> => {
      const response = await t.request({ method: 'GET', url, key });
      assert.equal(response.statusCode, status, response.body);
      return response.json() as T;
    };

    before(async () => {
      t = await startTestApp(engine.name, {}, () => NOW);
      ({ key } = await t.tenantWithKey(['events:write', 'audit:read']));
      assert.equal((await t.request({ method: 'POST', url: '/v1/events', key, payload: seed })).statusCode, 201);
    });
    after(() => t.close());

    it('counts events, failures and categories per day, with empty days included', async () => {
      const histogram = await get<Histogram>(`/v1/events/histogram?${APP_ONLY}&interval=1d`);
      assert.equal(histogram.interval, '1d');
      assert.equal(histogram.buckets.length, 30);
      assert.equal(histogram.total, 90);
      assert.equal(histogram.failures, 30);
      histogram.buckets.forEach((bucket, day) => {
        const inDay = seed.filter((e) => Math.floor((Date.parse(e.occurred_at) - Date.parse('2026-05-02T00:00:00Z')) / DAY) === day);
        const byCategory: Record<string, number> = {};
        for (const e of inDay) byCategory[category(e.action)] = (byCategory[category(e.action)] ?? 0) + 1;
        assert.deepEqual(bucket, {
          start: new Date(Date.parse('2026-05-02T00:00:00Z') + day * DAY).toISOString(),
          count: inDay.length, failures: inDay.filter((e) => !e.success).length, by_category: byCategory,
        });
      });
    });

    it('takes the filters and q of the list, and chooses a bucket size for the window', async () => {
      const auto = await get<Histogram>(`/v1/events/histogram?${APP_ONLY}`);
      assert.equal(auto.interval, '6h');
      assert.equal(auto.buckets.length, 120);
      const logins = await get<Histogram>(`/v1/events/histogram?${WINDOW}&action=login.*&interval=7d`);
      assert.equal(logins.total, 60);
      assert.equal(logins.failures, 30);
      assert.equal(logins.since, '2026-04-30T00:00:00.000Z', 'aligned down to the interval');
      const searched = await get<Histogram>(`/v1/events/histogram?${WINDOW}&q=${encodeURIComponent('actor:user_1 AND success:false')}`);
      assert.equal(searched.total, seed.filter((e) => e.actor.id === 'user_1' && !e.success).length);
      // Without since: from the first matching event.
      const open = await get<Histogram>('/v1/events/histogram?action=document.deleted&interval=1d');
      assert.equal(open.since, '2026-05-02T00:00:00.000Z');
      assert.equal(open.total, 30);
    });

    it('refuses unknown intervals and ones that would draw too many buckets', async () => {
      await get(`/v1/events/histogram?${WINDOW}&interval=2m`, 400);
      await get(`/v1/events/histogram?since=2000-01-01T00:00:00Z&interval=1m`, 400);
      await get(`/v1/events/histogram?${WINDOW}&q=${encodeURIComponent('actor:(')}`, 400);
    });

    it('refuses a window whose buckets would start before year 0000, which no RFC 3339 time can say (found by the fuzz suite)', async () => {
      await get('/v1/events/histogram?since=now-9999999w&until=now-9999990w', 400);
      await get('/v1/events/histogram?since=0000-01-01&until=0000-03-01&interval=7d', 400);
      await get('/v1/events?since=now-999999999w', 400);
      const earliest = await get<Histogram>('/v1/events/histogram?since=0000-01-08&until=0000-03-01&interval=7d');
      assert.match(earliest.since, /^0000-01-0[1-8]T00:00:00\.000Z$/, 'the first week starts in year 0000, aligned down');
    });

    it('lists the most frequent actors, ips and targets with their failures, ties by value', async () => {
      const actors = await get<Top>(`/v1/events/top?${APP_ONLY}&field=actor&limit=10`);
      const count = (pick: (e: (typeof seed)[number]) => string) => {
        const counts = new Map<string, { count: number; failures: number }>();
        for (const e of seed) {
          const c = counts.get(pick(e)) ?? { count: 0, failures: 0 };
          c.count += 1;
          if (!e.success) c.failures += 1;
          counts.set(pick(e), c);
        }
        return [...counts].sort(([a, x], [b, y]) => y.count - x.count || (a < b ? -1 : 1)).map(([value, c]) => ({ value, ...c }));
      };
      assert.deepEqual(actors.values.map(({ value, count, failures }) => ({ value, count, failures })), count((e) => e.actor.id ?? e.actor.email));
      assert.deepEqual(actors.values.find((v) => v.value === 'noid@example.com'), { value: 'noid@example.com', count: 22, failures: 7, email: 'noid@example.com', type: 'api_key' });
      const ips = await get<Top>(`/v1/events/top?${APP_ONLY}&field=ip&limit=3`);
      assert.deepEqual(ips.values.map(({ value, count, failures }) => ({ value, count, failures })), count((e) => e.context.ip).slice(0, 3));
      const targets = await get<Top>(`/v1/events/top?${APP_ONLY}&field=target&limit=1&success=false`);
      assert.equal(targets.values.length, 1);
      assert.ok(targets.values[0]!.name?.startsWith('Target '));
      await get(`/v1/events/top?${APP_ONLY}&field=nope`, 400);
      await get(`/v1/events/top?${APP_ONLY}&field=actor&limit=101`, 400);
      await get(`/v1/events/top?${APP_ONLY}`, 400);
    });

    it('shows a tenant only its own activity', async () => {
      const other = await t.tenantWithKey(['audit:read'], 'other');
      const response = await t.request({ method: 'GET', url: `/v1/events/histogram?${APP_ONLY}`, key: other.key });
      assert.equal(response.json().total, 0);
      const top = await t.request({ method: 'GET', url: `/v1/events/top?${APP_ONLY}&field=action`, key: other.key });
      assert.deepEqual(top.json().values, []);
    });

    it('pages by offset with a total, up to 10,000 deep, beside page tokens', async () => {
      const all = (await get<{ events: { id: string }[] }>(`/v1/events?${APP_ONLY}&limit=100`)).events.map((e) => e.id);
      const page = await get<{ events: { id: string }[]; total: number; offset: number; next_page_token: string }>(`/v1/events?${APP_ONLY}&limit=7&offset=21`);
      assert.deepEqual(page.events.map((e) => e.id), all.slice(21, 28));
      assert.equal(page.total, 90);
      assert.equal(page.offset, 21);
      // The page token goes on from an offset page.
      const next = await get<{ events: { id: string }[] }>(`/v1/events?${APP_ONLY}&limit=7&page_token=${page.next_page_token}`);
      assert.deepEqual(next.events.map((e) => e.id), all.slice(28, 35));
      assert.equal((await get<{ events: unknown[] }>(`/v1/events?${APP_ONLY}&limit=10000&offset=10000`)).events.length, 0);
      await get(`/v1/events?${APP_ONLY}&offset=10001`, 400);
      await get(`/v1/events?${APP_ONLY}&limit=10001`, 400);
      await get(`/v1/events?${APP_ONLY}&offset=1&page_token=${page.next_page_token}`, 400);
      await get(`/v1/events?${APP_ONLY}&offset=-1`, 400);
    });
  });
}
