import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { applicationEvents, isSelfAudit } from '../helpers/self-audit.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const daysAgo = (d: number, extraMs = 0) => new Date(NOW - d * 86_400_000 + extraMs).toISOString();

// 60 events over 30 days: three actions, three actors, two targets, a few IPs, some failures.
const seed = Array.from({ length: 60 }, (_, i) => ({
  id: `e${String(i).padStart(2, '0')}`,
  action: ['login.succeeded', 'login.failed', 'document.deleted'][i % 3]!,
  occurred_at: daysAgo(30 - i / 2),
  actor: { id: `user_${i % 3}`, email: `user${i % 3}@example.com` },
  target: { type: i % 2 ? 'document' : 'user', id: `t${i % 4}`, slug: `slug-${i % 4}` },
  context: { ip: i % 5 === 0 ? '10.1.2.3' : i % 5 === 1 ? '2001:db8::1' : `192.0.2.${i}` },
  success: i % 3 !== 1,
}));

for (const engine of ENGINES) {
  describe(`reading events on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let keyId: string;
    const list = async (query: string) => {
      const response = await t.request({ method: 'GET', url: `/v1/events?${query}`, key });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { events: { id: string; seq: number; occurred_at: string; action: string }[]; next_page_token: string | null; total?: number };
    };
    // The seed's events: the log also holds Stele's own (the tenant's creation, its key's, the reads).
    const ids = async (query: string) => applicationEvents((await list(`limit=1000&${query}`)).events).map((e) => e.id).sort();
    const expected = (predicate: (e: (typeof seed)[number], i: number) => boolean) => seed.filter(predicate).map((e) => e.id).sort();

    before(async () => {
      t = await startTestApp(engine.name, {}, () => NOW);
      ({ key, keyId } = await t.tenantWithKey(['events:write', 'audit:read']));
      const response = await t.request({ method: 'POST', url: '/v1/events', key, payload: seed });
      assert.equal(response.statusCode, 201);
    });
    after(() => t.close());

    it('returns the newest 100 by default, newest first', async () => {
      const page = await list('');
      assert.deepEqual(page.events.filter(isSelfAudit).map((e) => e.action).sort(), ['api_key.created', 'tenant.created']);
      const seeded = applicationEvents(page.events);
      assert.equal(seeded.length, 60);
      assert.equal(seeded[0]!.id, 'e59');
      assert.equal(page.next_page_token, null);
    });

    it('filters by exact actions, several actions and an action prefix', async () => {
      assert.deepEqual(await ids('action=login.failed'), expected((e) => e.action === 'login.failed'));
      assert.deepEqual(await ids('action=login.failed,document.deleted'), expected((e) => e.action !== 'login.succeeded'));
      assert.deepEqual(await ids('action=login.failed&action=document.deleted'), expected((e) => e.action !== 'login.succeeded'));
      assert.deepEqual(await ids('action=login.*'), expected((e) => e.action.startsWith('login.')));
    });

    it('filters by category, actor, target and success', async () => {
      assert.deepEqual(await ids('category=authentication'), expected((e) => e.action.startsWith('login.')));
      assert.deepEqual(await ids('actor_id=user_1'), expected((e) => e.actor.id === 'user_1'));
      assert.deepEqual(await ids('actor_email=user2@example.com'), expected((e) => e.actor.email === 'user2@example.com'));
      assert.deepEqual(await ids('target_type=document&target_id=t1'), expected((e) => e.target.type === 'document' && e.target.id === 't1'));
      assert.deepEqual(await ids('target_slug=slug-2'), expected((e) => e.target.slug === 'slug-2'));
      assert.deepEqual(await ids('success=false'), expected((e) => !e.success));
    });

    it('filters by IP address and CIDR block, IPv4 and IPv6', async () => {
      assert.deepEqual(await ids('ip=10.1.2.3'), expected((e) => e.context.ip === '10.1.2.3'));
      assert.deepEqual(await ids('ip=10.0.0.0/8'), expected((e) => e.context.ip.startsWith('10.')));
      assert.deepEqual(await ids('ip=192.0.2.0/24'), expected((e) => e.context.ip.startsWith('192.0.2.')));
      assert.deepEqual(await ids(`ip=${encodeURIComponent('2001:db8::/32')}`), expected((e) => e.context.ip === '2001:db8::1'));
    });

    it('filters by absolute and relative time windows', async () => {
      assert.deepEqual(await ids('since=now-7d'), expected((e) => Date.parse(e.occurred_at) >= NOW - 7 * 86_400_000));
      assert.deepEqual(await ids(`since=${daysAgo(20)}&until=${daysAgo(10)}`),
        expected((e) => Date.parse(e.occurred_at) >= NOW - 20 * 86_400_000 && Date.parse(e.occurred_at) < NOW - 10 * 86_400_000));
      assert.deepEqual(await ids('since=2026-05-25'), expected((e) => e.occurred_at >= '2026-05-25'));
    });

    it('sorts by seq or occurred_at in either direction', async () => {
      const asc = await list('sort=seq&order=asc&limit=3');
      assert.deepEqual(asc.events.map((e) => e.seq), [1, 2, 3]);
      const desc = await list('sort=occurred_at&order=desc&limit=100');
      assert.deepEqual(applicationEvents(desc.events).slice(0, 3).map((e) => e.id), ['e59', 'e58', 'e57']);
    });

    it('pages with a token and reports the total on request', async () => {
      const seen: string[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const page = await list(`action=login.*&limit=7&include_total=true${token ? `&page_token=${token}` : ''}`);
        assert.equal(page.total, 40);
        seen.push(...page.events.map((e) => e.id));
        token = page.next_page_token;
        pages += 1;
      } while (token);
      assert.equal(pages, 6);
      assert.deepEqual([...seen].sort(), expected((e) => e.action.startsWith('login.')));
      assert.equal(new Set(seen).size, seen.length);
    });

    it('keeps a page token correct while new events arrive', async () => {
      const first = await list('sort=seq&order=desc&limit=10');
      await t.request({ method: 'POST', url: '/v1/events', key, payload: Array.from({ length: 5 }, () => ({ action: 'late.arrival' })) });
      const second = await list(`sort=seq&order=desc&limit=10&page_token=${first.next_page_token}`);
      assert.equal(second.events[0]!.seq, first.events[9]!.seq - 1, 'no event skipped or repeated');
    });

    it('refuses a page token used with other filters, and bad parameters', async () => {
      const page = await list('action=login.*&limit=2');
      const misuse = await t.request({ method: 'GET', url: `/v1/events?action=document.deleted&limit=2&page_token=${page.next_page_token}`, key });
      assert.equal(misuse.statusCode, 400);
      assert.equal(misuse.json().error.code, 'invalid_page_token');
      for (const query of ['limit=0', 'limit=10001', 'offset=10001', 'sort=actor', 'order=up', 'success=maybe', 'ip=300.1.1.1', 'since=yesterday', 'page_token=garbage']) {
        const response = await t.request({ method: 'GET', url: `/v1/events?${query}`, key });
        assert.equal(response.statusCode, 400, query);
      }
    });

    it('answers a NUL in a filter value with 400 naming the field, on lists and exports alike', async () => {
      const { key: exportKey } = await t.tenantWithKey(['audit:read', 'audit:export'], 'nul');
      for (const url of ['/v1/events?actor_id=a%00b', '/v1/events?action=login.%00*', '/v1/events/export?format=csv&target_id=%00']) {
        const response = await t.request({ method: 'GET', url, key: exportKey });
        assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
        assert.equal(response.json().error.code, 'invalid_request');
        assert.match(response.json().error.details[0].message, /NUL/);
      }
    });

    // 1,100 prefixes were a 500 on SQLite ("Expression tree is too large"), 40,000 ids a 500 ("too
    // many SQL variables"), 70,000 a false 503 on PostgreSQL: each is now a 400 naming the filter.
    it('refuses more than 1,000 values or 100 prefixes in one filter, naming it and the bound', { timeout: 60_000 }, async () => {
      const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(',');
      const cases: [string, string, RegExp][] = [
        [`action=${many(1100, (i) => `p${i}*`)}`, 'action', /at most 100 prefixes/],
        [`action=${many(101, (i) => `p${i}.*`)}`, 'action', /at most 100 prefixes/],
        [`action=${many(1001, (i) => `a${i}`)}`, 'action', /at most 1,000 values/],
        [`category=${many(1001, (i) => `c${i}`)}`, 'category', /at most 1,000 values/],
        [Array.from({ length: 1001 }, (_, i) => `actor_id=u${i}`).join('&'), 'actor_id', /at most 1,000 values/],
      ];
      for (const [query, field, message] of cases) {
        const response = await t.request({ method: 'GET', url: `/v1/events?${query}`, key });
        assert.equal(response.statusCode, 400, `${field}: ${response.body.slice(0, 300)}`);
        assert.equal(response.json().error.code, 'invalid_request');
        const detail = response.json().error.details.find((d: { field?: string }) => d.field === field);
        assert.match(detail?.message ?? '', message, response.body.slice(0, 300));
      }
      // At the bounds, on every filter at once, the statement still runs on both engines.
      const repeated = (name: string) => Array.from({ length: 1000 }, (_, i) => `${name}=v${i}`).join('&');
      const full = [
        `action=${many(900, (i) => `a${i}`)},${many(100, (i) => `p${i}.*`)}`, `category=${many(1000, (i) => `c${i}`)}`,
        ...['actor_id', 'actor_email', 'target_type', 'target_id', 'target_slug'].map(repeated),
      ].join('&');
      const response = await t.request({ method: 'GET', url: `/v1/events?${full}&q=${encodeURIComponent('NOT action:x')}`, key });
      assert.equal(response.statusCode, 200, response.body.slice(0, 300));
    });

    it('describes the filters with the values seen', async () => {
      const response = await t.request({ method: 'GET', url: '/v1/events/filters', key });
      assert.equal(response.statusCode, 200);
      const body = response.json();
      assert.ok(body.fields.some((f: { name: string }) => f.name === 'action'));
      assert.deepEqual(body.sort_keys, ['occurred_at', 'seq']);
      assert.deepEqual([...body.values.actions].sort(),
        ['api_key.created', 'data.accessed', 'document.deleted', 'late.arrival', 'login.failed', 'login.succeeded', 'tenant.created']);
      assert.deepEqual([...body.values.actor_ids].sort(), ['instance_admin', keyId, 'user_0', 'user_1', 'user_2'].sort());
    });
  });
}
