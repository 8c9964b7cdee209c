// The contract every storage adapter passes (Hono's shared-case style): each adapter's test file
// calls runStoreContract with a factory for a fresh store of its engine.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SteleError } from '../../domain/errors.js';
import { hashChildren, leafHashesOf, leafHashOf, sealEvents, verifyLog, type Sealer } from '@stele/integrity';
import { Buffer } from 'node:buffer';
import type { CanonicalEvent } from '../../domain/event.js';
import { and, compare, eq, sql, TRUE, type Sql } from '../../sql/fragments.js';

const sum = (expression: Sql): Sql => sql(`sum(${expression.text})`, expression.params);
import type { AppendOutcome, CanonicalRows, PendingEvent, Store } from '../port.js';
import { AWKWARD_EVENTS, pendingEvent, pendingEvents } from '../testing/fixtures.js';
import type { TestStore } from '../testing/test-stores.js';

export function runStoreContract(open: () => Promise<TestStore>): void {
  let t: TestStore;
  let store: Store;
  const tenant = async (name = 'acme') => {
    const id = `tenant-${name}-${Math.random().toString(36).slice(2)}`;
    await store.createTenant({ id, name, created_at: new Date().toISOString() });
    return id;
  };

  before(async () => {
    t = await open();
    store = t.store;
  });
  after(() => t.close());

  describe('schema', () => {
    it('migrates a second time without changing anything', async () => {
      await store.migrate();
      await store.ping();
    });
  });

  describe('tenants, keys and settings', () => {
    it('creates, finds and lists tenants', async () => {
      const id = await tenant('globex');
      assert.equal((await store.getTenant(id))?.name, 'globex');
      assert.ok((await store.listTenants()).some((x) => x.id === id));
      assert.equal(await store.getTenant('nope'), undefined);
    });

    it('stores API keys by hash and revokes them once', async () => {
      const tenantId = await tenant();
      const key = { id: `k-${Math.random()}`, tenant_id: tenantId, name: 'ci', scopes: ['audit:read'], key_hash: `h${Math.random()}`, created_at: new Date().toISOString(), revoked_at: null };
      await store.insertApiKey(key);
      assert.deepEqual(await store.findApiKeyByHash(key.key_hash), key);
      assert.equal((await store.listApiKeys(tenantId)).length, 1);
      assert.equal(await store.revokeApiKey(tenantId, key.id, '2026-01-01T00:00:00.000Z'), true);
      assert.equal(await store.revokeApiKey(tenantId, key.id, '2026-01-01T00:00:00.000Z'), false);
      assert.equal((await store.findApiKeyByHash(key.key_hash))?.revoked_at, '2026-01-01T00:00:00.000Z');
    });

    it('keeps the first value of a setting', async () => {
      assert.equal(await store.setSettingIfAbsent('s1', 'first'), 'first');
      assert.equal(await store.setSettingIfAbsent('s1', 'second'), 'first');
      assert.equal(await store.getSetting('s1'), 'first');
    });
  });

  describe('appending events', () => {
    it('numbers a tenant\'s events 1..n in input order and reads them back exactly', async () => {
      const tenantId = await tenant();
      const batch = [
        pendingEvent({ action: 'member.role_changed', actor: { id: 'u1', email: 'ada@example.com', type: 'user' }, target: { type: 'user', id: 'u2', slug: 'john' }, context: { ip: '192.0.2.10', http_status: 200, method: 'POST' }, success: true, details: { from_role: 'viewer', to_role: 'editor', nested: { list: [1, 'two', null, true] } } }),
        pendingEvent({ action: 'login.failed', success: false, details: { reason: 'ünïcødé ✓ 𝄞' } }),
        pendingEvent({ action: 'bare' }),
      ];
      const outcomes = await store.appendEvents(tenantId, batch, sealEvents);
      assert.deepEqual(outcomes.map((o) => [o.id, o.seq, o.duplicate]), batch.map((b, i) => [b.event.id, i + 1, false]));
      for (const [i, pending] of batch.entries()) {
        const stored = await store.getEvent(tenantId, pending.event.id);
        assert.ok(stored);
        const { leaf_hash, chain_hash, ...rest } = stored;
        assert.deepEqual(rest, { ...pending.event, tenant_id: tenantId, seq: i + 1 });
        assert.match(leaf_hash, /^[0-9a-f]{64}$/);
        assert.match(chain_hash, /^[0-9a-f]{64}$/);
      }
      const head = await store.getHead(tenantId);
      assert.equal(head.size, 3);
    });

    it('treats a resend with the same id and input as a no-op with the same answer', async () => {
      const tenantId = await tenant();
      const first = pendingEvent({ id: 'evt-1' });
      const [a] = await store.appendEvents(tenantId, [first], sealEvents);
      const [b, c] = await store.appendEvents(tenantId, [first, pendingEvent({ id: 'evt-2' })], sealEvents);
      assert.deepEqual(b, { id: 'evt-1', seq: a!.seq, duplicate: true });
      assert.deepEqual(c, { id: 'evt-2', seq: 2, duplicate: false });
      assert.equal(await store.countEvents(tenantId, sql('1 = 1')), 2);
    });

    it('refuses the whole batch when an id is reused with other content', async () => {
      const tenantId = await tenant();
      await store.appendEvents(tenantId, [pendingEvent({ id: 'evt-1', action: 'a.one' })], sealEvents);
      await assert.rejects(
        store.appendEvents(tenantId, [pendingEvent({ id: 'evt-new' }), pendingEvent({ id: 'evt-1', action: 'a.two' })], sealEvents),
        (error: unknown) => error instanceof SteleError && error.code === 'idempotency_conflict' && error.details[0]?.index === 1,
      );
      assert.equal(await store.countEvents(tenantId, sql('1 = 1')), 1);
      assert.equal((await store.getHead(tenantId)).size, 1);
    });

    it('keeps seq gap-free under many concurrent appends', async () => {
      const tenantId = await tenant();
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.appendEvents(tenantId, pendingEvents(1 + (i % 7)), sealEvents)));
      const rows = await t.raw('SELECT seq FROM events WHERE tenant_id = ? ORDER BY seq', [tenantId]);
      const seqs = rows.map((r) => Number(r.seq));
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1));
      assert.equal((await store.getHead(tenantId)).size, seqs.length);
    });

    it('settles concurrent resends and reuses of one id: one insert, the same seq, a conflict refused alone', async () => {
      const tenantId = await tenant();
      const original = pendingEvent({ id: 'race-1', action: 'a.one' });
      const [first, resend, conflict, other] = await Promise.allSettled([
        store.appendEvents(tenantId, [original], sealEvents),
        store.appendEvents(tenantId, [original], sealEvents),
        store.appendEvents(tenantId, [pendingEvent({ id: 'race-1', action: 'a.two' })], sealEvents),
        store.appendEvents(tenantId, [pendingEvent({ id: 'race-2' })], sealEvents),
      ]);
      assert.equal(first.status, 'fulfilled');
      assert.equal(resend.status, 'fulfilled');
      assert.deepEqual((resend as PromiseFulfilledResult<{ seq: number }[]>).value[0]!.seq, (first as PromiseFulfilledResult<{ seq: number }[]>).value[0]!.seq);
      assert.equal(conflict.status, 'rejected');
      assert.equal(other.status, 'fulfilled');
      assert.equal(await store.countEvents(tenantId, sql('1 = 1')), 2);
      assert.equal((await store.getHead(tenantId)).size, 2);
    });

    it('numbers each tenant independently and never shows one tenant\'s events to another', async () => {
      const a = await tenant('a');
      const b = await tenant('b');
      const [ea] = await store.appendEvents(a, [pendingEvent()], sealEvents);
      const [eb] = await store.appendEvents(b, [pendingEvent()], sealEvents);
      assert.equal(ea!.seq, 1);
      assert.equal(eb!.seq, 1);
      assert.equal(await store.getEvent(b, ea!.id), undefined);
      assert.deepEqual((await store.findEvents(b, { where: sql('1 = 1'), order: { key: 'seq', direction: 'asc' }, limit: 10 })).map((e) => e.id), [eb!.id]);
    });

    it('serves level-0 Merkle nodes from the leaf hashes and the stored levels from the node table', async () => {
      const tenantId = await tenant();
      await store.appendEvents(tenantId, pendingEvents(20), sealEvents);
      await store.appendEvents(tenantId, pendingEvents(20), sealEvents);
      const nodes = await store.getMerkleNodes(tenantId, [{ level: 0, index: 0 }, { level: 4, index: 0 }, { level: 4, index: 1 }, { level: 5, index: 0 }, { level: 0, index: 99 }, { level: 4, index: 2 }]);
      const first = await store.findEvents(tenantId, { where: eq('seq', 1), order: { key: 'seq', direction: 'asc' }, limit: 1 });
      assert.equal(Buffer.from(nodes.get('0/0')!).toString('hex'), first[0]!.leaf_hash);
      assert.ok(nodes.get('4/0'));
      assert.ok(nodes.get('4/1'), 'a node completed across two batches is stored');
      assert.ok(nodes.get('5/0'));
      assert.equal(nodes.has('0/99'), false);
      assert.equal(nodes.has('4/2'), false, 'an incomplete subtree is never stored');
    });
  });

  describe('group commit', () => {
    const all = (tenantId: string) => store.findEvents(tenantId, { where: TRUE, order: { key: 'seq', direction: 'asc' }, limit: 10_000 });

    /** The caller's sealer, noting each call: the events the store sealed together, per tenant. */
    function watchedSealer() {
      const calls: { tenantId: string; events: number }[] = [];
      const seal: Sealer = (head, events) => {
        calls.push({ tenantId: events[0]!.tenant_id, events: events.length });
        return sealEvents(head, events);
      };
      return { seal, calls };
    }

    /**
     * As a hostile DBA: makes COMMIT fail (a deferred foreign key that cannot hold) for every
     * transaction that inserts an event matching `when`. Returns the undo.
     */
    async function breakCommits(name: string, when: string): Promise<() => Promise<void>> {
      await t.raw(`CREATE TABLE ${name}_refs (tenant_id text REFERENCES tenants (id) DEFERRABLE INITIALLY DEFERRED)`);
      if (t.name === 'sqlite') {
        await t.raw(`CREATE TRIGGER ${name} AFTER INSERT ON events WHEN ${when} BEGIN INSERT INTO ${name}_refs VALUES ('no such tenant'); END`);
        return async () => {
          await t.raw(`DROP TRIGGER ${name}`);
          await t.raw(`DROP TABLE ${name}_refs`);
        };
      }
      await t.raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ${name}_refs VALUES ('no such tenant'); RETURN NULL; END $$`);
      await t.raw(`CREATE TRIGGER ${name} AFTER INSERT ON events FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION ${name}()`);
      return async () => {
        await t.raw(`DROP TRIGGER ${name} ON events`);
        await t.raw(`DROP FUNCTION ${name}()`);
        await t.raw(`DROP TABLE ${name}_refs`);
      };
    }

    // MTH of leaves [begin, end) by RFC 6962's definition, from the leaf hashes: the reference the stored nodes must match.
    function subtreeHash(leaves: readonly Uint8Array[], begin: number, end: number): Uint8Array {
      if (end - begin === 1) return leaves[begin]!;
      const half = (end - begin) / 2;
      return hashChildren(subtreeHash(leaves, begin, begin + half), subtreeHash(leaves, begin + half, end));
    }

    it('seals and commits the appends made together as one group, each answered with its own events, in the order they were made', async () => {
      const tenants = [await tenant('g1'), await tenant('g2')];
      const { seal, calls } = watchedSealer();
      const batches = Array.from({ length: 24 }, (_, i) => pendingEvents(1 + (i % 4)));
      const outcomes = await Promise.all(batches.map((batch, i) => store.appendEvents(tenants[i % 2]!, batch, seal)));
      for (const [k, tenantId] of tenants.entries()) {
        const mine = batches.map((batch, i) => ({ batch, outcome: outcomes[i]! })).filter((_, i) => i % 2 === k);
        const total = mine.reduce((n, m) => n + m.batch.length, 0);
        assert.deepEqual(calls.filter((c) => c.tenantId === tenantId), [{ tenantId, events: total }], 'one seal for all of the tenant\'s appends');
        let seq = 0;
        for (const { batch, outcome } of mine) {
          assert.deepEqual(outcome, batch.map((p) => ({ id: p.event.id, seq: ++seq, duplicate: false })));
        }
        const events = await all(tenantId);
        assert.deepEqual(events.map((e) => e.id), mine.flatMap((m) => m.batch.map((p) => p.event.id)));
        const summary = verifyLog(events);
        assert.deepEqual(summary.failures, []);
        assert.equal(summary.lastSeq, total);
        assert.equal((await store.getHead(tenantId)).size, total);
        // Every complete subtree of 16 leaves or more is stored, with the hash of its leaves.
        const leaves = events.map((e) => Buffer.from(e.leaf_hash, 'hex'));
        const ids = [];
        for (let level = 4; 2 ** level <= total; level++) for (let index = 0; (index + 1) * 2 ** level <= total; index++) ids.push({ level, index });
        const nodes = await store.getMerkleNodes(tenantId, ids);
        assert.ok(ids.length > 0);
        for (const { level, index } of ids) {
          assert.deepEqual(Buffer.from(nodes.get(`${level}/${index}`)!), Buffer.from(subtreeHash(leaves, index * 2 ** level, (index + 1) * 2 ** level)), `node ${level}/${index}`);
        }
      }
    });

    it('fails only the append that conflicts, or whose rows the database refuses at commit; the others of its group are stored', async () => {
      const tenantId = await tenant();
      await store.appendEvents(tenantId, [pendingEvent({ id: 'kept-1', action: 'a.one' })], sealEvents);
      const restore = await breakCommits('break_one', "NEW.action = 'test.break_commit'");
      try {
        const { seal, calls } = watchedSealer();
        const good = [pendingEvent({ id: 'good-1' })];
        const conflict = [pendingEvent({ id: 'kept-1', action: 'a.two' })];
        const breaking = [pendingEvent({ id: 'bad-1', action: 'test.break_commit' })];
        const more = [pendingEvent({ id: 'good-2' }), pendingEvent({ id: 'good-3' })];
        const settled = await Promise.allSettled([good, conflict, breaking, more].map((batch) => store.appendEvents(tenantId, batch, seal)));
        assert.deepEqual(settled.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
        assert.ok((settled[1] as PromiseRejectedResult).reason instanceof SteleError && ((settled[1] as PromiseRejectedResult).reason as SteleError).code === 'idempotency_conflict');
        assert.equal(calls[0]!.events, 4, 'the three appends that planning let through were sealed together first');
        const stored = (settled[0] as PromiseFulfilledResult<AppendOutcome[]>).value.concat((settled[3] as PromiseFulfilledResult<AppendOutcome[]>).value);
        assert.deepEqual(stored.map((o) => [o.id, o.seq]), [['good-1', 2], ['good-2', 3], ['good-3', 4]]);
        const events = await all(tenantId);
        assert.deepEqual(events.map((e) => e.id), ['kept-1', 'good-1', 'good-2', 'good-3']);
        assert.deepEqual(verifyLog(events).failures, []);
        assert.equal((await store.getHead(tenantId)).size, 4);
      } finally {
        await restore();
      }
    });

    it('acknowledges nothing before its commit: when the commit fails, every append of the group is refused and none of it is stored', async () => {
      const tenantId = await tenant();
      const restore = await breakCommits('break_all', `NEW.tenant_id = '${tenantId}'`);
      let settled: PromiseSettledResult<AppendOutcome[]>[];
      try {
        const batches: PendingEvent[][] = Array.from({ length: 6 }, (_, i) => pendingEvents(1 + i));
        settled = await Promise.allSettled(batches.map((batch) => store.appendEvents(tenantId, batch, sealEvents)));
      } finally {
        await restore();
      }
      assert.deepEqual(settled.map((r) => r.status), Array(6).fill('rejected'));
      assert.equal(await store.countEvents(tenantId, TRUE), 0);
      assert.equal((await store.getHead(tenantId)).size, 0);
      const [next] = await store.appendEvents(tenantId, [pendingEvent()], sealEvents);
      assert.equal(next!.seq, 1, 'the refused group left no gap');
    });
  });

  describe('reading events', () => {
    let tenantId: string;
    before(async () => {
      tenantId = await tenant();
      await store.appendEvents(tenantId, pendingEvents(30, (i) => ({
        action: i % 3 === 0 ? 'login.failed' : 'member.invited',
        actor: { id: `user-${i % 5}` },
        occurred_at: new Date(Date.UTC(2026, 0, 1) + (30 - i) * 60_000).toISOString(),
      })), sealEvents);
    });

    it('filters, orders by occurred_at then seq, and limits', async () => {
      const rows = await store.findEvents(tenantId, { where: and([eq('action', 'login.failed')]), order: { key: 'occurred_at', direction: 'desc' }, limit: 4 });
      assert.equal(rows.length, 4);
      assert.ok(rows.every((r) => r.action === 'login.failed'));
      const times = rows.map((r) => Date.parse(r.occurred_at));
      assert.deepEqual(times, [...times].sort((x, y) => y - x));
    });

    it('counts with the same condition', async () => {
      assert.equal(await store.countEvents(tenantId, eq('action', 'login.failed')), 10);
      assert.equal(await store.countEvents(tenantId, compare('seq', '>', 25)), 5);
    });

    it('lists the most frequent distinct values', async () => {
      assert.deepEqual(await store.distinctValues(tenantId, 'action', 10, 1000), ['member.invited', 'login.failed']);
      assert.equal((await store.distinctValues(tenantId, 'actor_id', 3, 1000)).length, 3);
      // Only the latest `window` events count: seq 30 is member.invited (seq 28 the last login.failed).
      assert.deepEqual(await store.distinctValues(tenantId, 'action', 10, 2), ['member.invited']);
    });

    it('skips rows with an offset, in the same order', async () => {
      const order = { key: 'occurred_at', direction: 'desc' } as const;
      const all = await store.findEvents(tenantId, { where: TRUE, order, limit: 30 });
      const page = await store.findEvents(tenantId, { where: TRUE, order, limit: 7, offset: 10 });
      assert.deepEqual(page.map((e) => e.seq), all.slice(10, 17).map((e) => e.seq));
      assert.deepEqual(await store.findEvents(tenantId, { where: TRUE, order, limit: 5, offset: 30 }), []);
    });
  });

  describe('aggregating events', () => {
    let tenantId: string;
    let otherId: string;
    const MINUTE = 60_000;
    const start = Date.UTC(2026, 0, 1);
    const FAILURES = sql('sum(CASE WHEN success = 0 THEN 1 ELSE 0 END)');
    before(async () => {
      tenantId = await tenant();
      otherId = await tenant();
      // 20 events over 20 minutes: every 4th a failed login, the others role changes with a rows count.
      await store.appendEvents(tenantId, pendingEvents(20, (i) => ({
        action: i % 4 === 0 ? 'login.failed' : 'member.role_changed',
        actor: { id: `user-${i % 3}`, ...(i % 2 === 0 && { email: `u${i % 3}@example.com` }) },
        context: { ip: `10.0.0.${i % 2}` },
        success: i % 4 !== 0,
        occurred_at: new Date(start + i * MINUTE + 1).toISOString(),
        details: { rows: i, to_role: i % 5 === 0 ? 'admin' : 'viewer', ratio: 0.5 },
      })), sealEvents);
      await store.appendEvents(otherId, pendingEvents(5, () => ({ action: 'login.failed', success: false, occurred_at: new Date(start).toISOString() })), sealEvents);
    });

    it('counts one row over every match, even when nothing matches', async () => {
      assert.deepEqual(await store.aggregateEvents(tenantId, { where: TRUE, keys: [], measures: [sql('count(*)'), FAILURES] }), [[20, 5]]);
      assert.deepEqual(await store.aggregateEvents(tenantId, { where: eq('action', 'nothing'), keys: [], measures: [sql('count(*)'), FAILURES] }), [[0, null]]);
    });

    it('groups by columns, orders by a measure and limits, for one tenant only', async () => {
      const rows = await store.aggregateEvents(tenantId, {
        where: TRUE, keys: [sql('action')], measures: [sql('count(*)'), FAILURES],
        orderBy: [{ column: 1, direction: 'desc' }, { column: 0, direction: 'asc' }],
      });
      assert.deepEqual(rows, [['member.role_changed', 15, 0], ['login.failed', 5, 5]]);
      assert.deepEqual(await store.aggregateEvents(tenantId, { where: TRUE, keys: [sql('actor_id')], measures: [sql('count(*)')], orderBy: [{ column: 0, direction: 'asc' }], limit: 2 }),
        [['user-0', 7], ['user-1', 7]]);
      assert.deepEqual(await store.aggregateEvents(otherId, { where: TRUE, keys: [sql('action')], measures: [sql('count(*)')] }), [['login.failed', 5]]);
      // Labels: text aggregates after the measures, returned as text.
      assert.deepEqual(await store.aggregateEvents(tenantId, { where: eq('actor_id', 'user-0'), keys: [sql('actor_id')], measures: [sql('count(*)')], labels: [sql('max(actor_email)')] }),
        [['user-0', 7, 'u0@example.com']]);
    });

    it('groups by time buckets computed from parameters, and by a nullable expression', async () => {
      const bucket = sql('occurred_at - ((occurred_at - CAST(? AS BIGINT)) % CAST(? AS BIGINT))', [start, 5 * MINUTE]);
      const rows = await store.aggregateEvents(tenantId, { where: compare('occurred_at', '>=', start), keys: [bucket, sql('category')], measures: [sql('count(*)'), FAILURES], orderBy: [{ column: 0, direction: 'asc' }, { column: 1, direction: 'asc' }] });
      // Failed logins at minutes 0, 4, 8, 12 and 16: two in the first 5-minute bucket, one in each other.
      const logins = [2, 1, 1, 1];
      assert.deepEqual(rows, logins.flatMap((n, b) => [[start + b * 5 * MINUTE, 'authentication', n, n], [start + b * 5 * MINUTE, 'authorization', 5 - n, 0]]));
      const emails = await store.aggregateEvents(tenantId, { where: TRUE, keys: [sql('actor_email')], measures: [sql('count(*)')], orderBy: [{ column: 1, direction: 'asc' }] });
      assert.deepEqual(emails.find((r) => r[0] === null), [null, 10]);
    });

    for (const eachGroup of [false, true]) it(`reads only the groups asked for, one row each in their order, a group without a match counting 0${eachGroup ? ', each group on its own' : ''}`, async () => {
      const failed = eq('action', 'login.failed');
      const measures = [sql('count(*)'), sql('min(seq)'), sql('max(seq)')];
      // Failed logins are events 0, 4, 8, 12, 16 (seq 1, 5, 9, 13, 17): actors 0, 1, 2, 0, 1.
      assert.deepEqual(await store.aggregateEvents(tenantId, { where: failed, keys: [sql('actor_id')], measures, forKeys: [['user-1'], ['nobody'], ['user-0']], eachGroup }),
        [['user-1', 2, 5, 17], ['nobody', 0, null, null], ['user-0', 2, 1, 13]]);
      // Two keys, one of them read from details, and a distinct count over a window.
      const rows = await store.aggregateEvents(tenantId, {
        where: compare('occurred_at', '>=', start + 10 * MINUTE), keys: [sql('ip'), store.dialect.detailsText(['to_role'])],
        measures: [sql('count(DISTINCT actor_id)'), sql('count(*)')], forKeys: [['10.0.0.0', 'admin'], ['10.0.0.1', 'viewer'], ['10.0.0.1', 'admin']], eachGroup,
      });
      // Events 10..19: to_role admin at 10 and 15 (ip .0 and .1), viewer otherwise.
      assert.deepEqual(rows, [['10.0.0.0', 'admin', 1, 1], ['10.0.0.1', 'viewer', 2, 4], ['10.0.0.1', 'admin', 1, 1]]);
      assert.deepEqual(await store.aggregateEvents(otherId, { where: TRUE, keys: [sql('action')], measures: [sql('count(*)')], forKeys: [['login.failed']] }), [['login.failed', 5]]);
    });

    it('counts distinct values and sums integers held in details', async () => {
      const dialect = store.dialect;
      const rows = await store.aggregateEvents(tenantId, {
        where: TRUE, keys: [],
        measures: [sql(`count(DISTINCT ${'actor_id'})`), sum(dialect.detailsInteger(['rows'])), sum(dialect.detailsInteger(['ratio'])), sum(dialect.detailsInteger(['missing']))],
      });
      assert.deepEqual(rows, [[3, 190, null, null]]);
      const roles = await store.aggregateEvents(tenantId, { where: TRUE, keys: [dialect.detailsText(['to_role'])], measures: [sql('count(*)')], orderBy: [{ column: 0, direction: 'asc' }] });
      assert.deepEqual(roles, [['admin', 4], ['viewer', 16]]);
    });
  });

  describe('canonical rows for verification', () => {
    // A store gives each event's text or its hash (canonical-rows.ts): compared as their leaf hashes.
    const leafHashes = (page: CanonicalRows) => Buffer.from(leafHashesOf(page) ?? []).toString('hex').match(/.{64}/g) ?? [];
    const leafHashesOfTexts = (events: readonly CanonicalEvent[]) => events.map((e) => Buffer.from(leafHashOf(e)).toString('hex'));
    const readAll = async (tenantId: string, throughSeq: number, limit: number) => {
      const pages: CanonicalRows[] = [];
      for (let after = 0, page; (page = await store.readCanonicalRows!(tenantId, after, throughSeq, limit)); after = page.lastSeq) pages.push(page);
      return pages;
    };

    it('gives each event\'s canonical text (or its hash) and stored hashes, a page at a time', async (t) => {
      if (!store.readCanonicalRows) return t.skip('this store has no canonical rows');
      const tenantId = await tenant();
      await store.appendEvents(tenantId, AWKWARD_EVENTS.map((fields) => pendingEvent(fields)), sealEvents);
      const events = await store.findEvents(tenantId, { where: TRUE, order: { key: 'seq', direction: 'asc' }, limit: 1000 });
      const pages = await readAll(tenantId, events.length, 7);
      assert.deepEqual(pages.map((p) => [p.firstSeq, p.lastSeq, p.rows, p.exact]), pages.map((_, i) => [7 * i + 1, Math.min(7 * i + 7, events.length), Math.min(7, events.length - 7 * i), true]));
      assert.deepEqual(pages.map((p) => p.lastId), pages.map((p) => events[p.lastSeq - 1]!.id));
      assert.deepEqual(pages.flatMap(leafHashes), leafHashesOfTexts(events));
      const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
      const eventsOf = (p: CanonicalRows) => events.slice(p.firstSeq - 1, p.lastSeq);
      assert.deepEqual(pages.map((p) => hexOf(p.storedLeafHashes)), pages.map((p) => eventsOf(p).map((e) => e.leaf_hash).join('')));
      assert.deepEqual(pages.map((p) => hexOf(p.storedChainHashes)), pages.map((p) => eventsOf(p).map((e) => e.chain_hash).join('')));
    });

    it('never passes off a text it could not write exactly', async (t) => {
      if (!store.readCanonicalRows) return t.skip('this store has no canonical rows');
      const tenantId = await tenant();
      // PostgreSQL's text marks are \x01 and \x02: in a value, they must not be read as marks.
      await store.appendEvents(tenantId, [pendingEvent({ actor: { name: 'marks \u0001 and \u0002' }, target: { id: '\u0002' } })], sealEvents);
      const [event] = await store.findEvents(tenantId, { where: TRUE, order: { key: 'seq', direction: 'asc' }, limit: 1 });
      const page = await store.readCanonicalRows(tenantId, 0, 1, 10);
      if (page?.exact) assert.deepEqual(leafHashes(page), leafHashesOfTexts([event!]));
    });

    it('reads only the seq window asked for, and only the tenant\'s own events', async (t) => {
      if (!store.readCanonicalRows) return t.skip('this store has no canonical rows');
      const [mine, theirs] = [await tenant(), await tenant()];
      await store.appendEvents(mine, pendingEvents(10), sealEvents);
      await store.appendEvents(theirs, pendingEvents(10, () => ({ action: 'their.event' })), sealEvents);
      const page = await store.readCanonicalRows(mine, 3, 8, 100);
      assert.deepEqual([page?.firstSeq, page?.lastSeq, page?.rows], [4, 8, 5]);
      // Each text names the tenant: only the tenant's own events' texts give these hashes.
      const myEvents = await store.findEvents(mine, { where: TRUE, order: { key: 'seq', direction: 'asc' }, limit: 100 });
      assert.deepEqual(page && leafHashes(page), leafHashesOfTexts(myEvents.slice(3, 8)));
      assert.equal((await store.readCanonicalRows(mine, 3, 8, 2))?.lastSeq, 5);
      assert.equal(await store.readCanonicalRows(mine, 10, 20, 100), undefined);
    });
  });

  describe('records', () => {
    it('inserts once, reads, updates, lists oldest first and deletes, per tenant', async () => {
      const key = { kind: 'saved_search', tenantId: 'tenant-r', id: 'one' };
      assert.equal(await store.insertRecord(key, { name: 'first', nested: { a: [1] } }, '2026-01-01T00:00:00.000Z'), true);
      assert.equal(await store.insertRecord(key, { name: 'again' }, '2026-01-01T00:00:01.000Z'), false);
      await store.insertRecord({ ...key, id: 'two' }, { name: 'second' }, '2026-01-02T00:00:00.000Z');
      await store.insertRecord({ ...key, tenantId: 'tenant-other' }, { name: 'other' }, '2026-01-01T00:00:00.000Z');
      assert.deepEqual((await store.getRecord(key))?.body, { name: 'first', nested: { a: [1] } });
      assert.equal(await store.updateRecord(key, { name: 'renamed' }, '2026-01-03T00:00:00.000Z'), true);
      const got = await store.getRecord(key);
      assert.deepEqual([got?.body, got?.created_at, got?.updated_at], [{ name: 'renamed' }, '2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
      assert.deepEqual((await store.listRecords('saved_search', 'tenant-r')).map((r) => r.id), ['one', 'two']);
      assert.deepEqual((await store.listRecords('saved_search', 'tenant-r', 1000, 'newest')).map((r) => r.id), ['two', 'one']);
      assert.deepEqual((await store.listRecords('saved_search', 'tenant-r', 1, 'newest')).map((r) => r.id), ['two'], 'the newest, not the oldest, when cut');
      assert.equal(await store.deleteRecord(key), true);
      assert.equal(await store.deleteRecord(key), false);
      assert.equal(await store.updateRecord(key, {}, 'x'), false);
      assert.equal(await store.getRecord(key), undefined);
      assert.equal((await store.listRecords('saved_search', 'tenant-other')).length, 1);
    });

    it('updates only while the body is still the one read (compare-and-set)', async () => {
      const key = { kind: 'stream', tenantId: 'tenant-cas', id: 'one' };
      const at = '2026-01-01T00:00:00.000Z';
      // Integer-like members come back first from JSON.parse: the order is not a change.
      await store.insertRecord(key, { name: 'first', paused: false, masks: { b: 'x', 1: 'y' } }, at);
      const read = (await store.getRecord(key))!.body;
      assert.equal(await store.updateRecordIf(key, { ...read, paused: true }, at, read), true);
      // Written in the same millisecond as the read it was based on: refused all the same.
      assert.equal(await store.updateRecordIf(key, { ...read, name: 'stale' }, at, read), false);
      assert.deepEqual((await store.getRecord(key))!.body, { name: 'first', paused: true, masks: { b: 'x', 1: 'y' } });
      const now = (await store.getRecord(key))!.body;
      assert.equal(await store.updateRecordIf(key, { ...now, name: 'second' }, '2026-01-01T00:00:01.000Z', { masks: { 1: 'y', b: 'x' }, paused: true, name: 'first' }), true);
      assert.equal((await store.getRecord(key))!.updated_at, '2026-01-01T00:00:01.000Z');
      assert.equal(await store.updateRecordIf({ ...key, id: 'none' }, {}, at, {}), false, 'no record: nothing to update');
    });

    it('lets exactly one of several compare-and-sets from the same read through', async () => {
      const key = { kind: 'stream', tenantId: 'tenant-cas', id: 'race' };
      await store.insertRecord(key, { count: 0 }, '2026-01-01T00:00:00.000Z');
      const read = (await store.getRecord(key))!.body;
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.updateRecordIf(key, { count: 1, by: i }, '2026-01-01T00:00:00.000Z', read)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await store.getRecord<{ by: number }>(key))!.body.by, results.indexOf(true));
    });
  });

  describe('checkpoints', () => {
    it('stores each tree size once and finds the latest, one size and a range', async () => {
      const tenantId = await tenant();
      const cp = (size: number) => ({ tenant_id: tenantId, tree_size: size, root_hash: new Uint8Array(32).fill(size), created_at: new Date(size * 1000).toISOString(), note: `note ${size}\n` });
      await store.appendEvents(tenantId, pendingEvents(7), sealEvents);
      assert.deepEqual((await store.checkpointBacklog()).find((b) => b.tenantId === tenantId), { tenantId, size: 7, checkpointSize: 0 });
      assert.equal(await store.insertCheckpoint(cp(3)), true);
      assert.equal(await store.insertCheckpoint({ ...cp(3), note: 'other' }), false);
      await store.insertCheckpoint(cp(5));
      assert.deepEqual(await store.getCheckpoint(tenantId, 3), cp(3));
      assert.equal((await store.latestCheckpoint(tenantId))?.tree_size, 5);
      assert.deepEqual((await store.listCheckpoints(tenantId, { minSize: 1, maxSize: 4, limit: 10 })).map((c) => c.tree_size), [3]);
      assert.deepEqual((await store.listCheckpoints(tenantId, { minSize: 1, maxSize: 4, limit: 1, order: 'newest' })).map((c) => c.tree_size), [3]);
      assert.deepEqual((await store.listCheckpoints(tenantId, { minSize: 1, maxSize: 100, limit: 10, order: 'newest' })).map((c) => c.tree_size), [5, 3]);
      assert.equal((await store.checkpointBacklog()).find((b) => b.tenantId === tenantId)?.checkpointSize, 5);
      await store.insertCheckpoint(cp(7));
      assert.equal((await store.checkpointBacklog()).some((b) => b.tenantId === tenantId), false);
      await assert.rejects(t.raw('DELETE FROM checkpoints WHERE tenant_id = ?', [tenantId]), /append-only/);
    });

    it('keeps one cosignature line per witness and checkpoint, apart from other checkpoints and tenants', async () => {
      const tenantId = await tenant();
      const other = await tenant();
      const line = (name: string, n: number) => `\u2014 ${name} ${Buffer.alloc(76, n).toString('base64')}\n`;
      assert.deepEqual(await store.getCosignatures(tenantId, 3), []);
      await store.addCosignatures(tenantId, 3, [{ cosigner: 'w2.example', line: line('w2.example', 2) }, { cosigner: 'w1.example', line: line('w1.example', 1) }], 'now');
      await store.addCosignatures(tenantId, 3, [{ cosigner: 'w1.example', line: line('w1.example', 9) }], 'later');
      await store.addCosignatures(tenantId, 4, [{ cosigner: 'w1.example', line: line('w1.example', 4) }], 'now');
      await store.addCosignatures(tenantId, 5, [], 'now');
      assert.deepEqual(await store.getCosignatures(tenantId, 3), [line('w1.example', 1), line('w2.example', 2)]);
      assert.deepEqual(await store.getCosignatures(tenantId, 4), [line('w1.example', 4)]);
      assert.deepEqual(await store.getCosignatures(other, 3), []);
    });
  });

  describe('append-only in the database', () => {
    it('refuses UPDATE and DELETE of event rows issued directly in SQL', async () => {
      const tenantId = await tenant();
      await store.appendEvents(tenantId, pendingEvents(32), sealEvents);
      await assert.rejects(t.raw("UPDATE events SET action = 'x' WHERE tenant_id = ?", [tenantId]), /append-only/);
      await assert.rejects(t.raw('DELETE FROM events WHERE tenant_id = ?', [tenantId]), /append-only/);
      await assert.rejects(t.raw('DELETE FROM merkle_nodes WHERE tenant_id = ?', [tenantId]), /append-only/);
      assert.equal(await store.countEvents(tenantId, sql('1 = 1')), 32);
    });
  });

  describe('forgetting (the one path that removes content)', () => {
    const CONTENT_NULL = `actor_id = NULL, actor_type = NULL, actor_email = NULL, actor_name = NULL, actor_role = NULL, target_type = NULL, target_id = NULL,
      target_name = NULL, target_slug = NULL, target_version = NULL, target_url = NULL, ip = NULL, ip_bin = NULL, user_agent = NULL, location = NULL,
      request_id = NULL, session_id = NULL, api_key_id = NULL, method = NULL, url = NULL, http_status = NULL, geo_country = NULL, success = NULL, details = NULL`;
    // Ten events with content, then the record that names seqs 2..4 and 7.
    async function logWithRecord() {
      const tenantId = await tenant();
      await store.appendEvents(tenantId, pendingEvents(10, (i) => ({ actor: { id: `u${i}`, email: `u${i}@example.com` }, context: { ip: '192.0.2.1' }, geo: { country: 'DE' }, details: { secret: 'x'.repeat(200) } })), sealEvents);
      const [record] = await store.appendEvents(tenantId, [pendingEvent({ action: 'audit.deleted', details: { seq_ranges: [[2, 4], [7, 7]], count: 4 } })], sealEvents);
      return { tenantId, recordSeq: record!.seq };
    }
    const all = (tenantId: string) => store.findEvents(tenantId, { where: TRUE, order: { key: 'seq', direction: 'asc' }, limit: 1000 });

    it('turns events into tombstones that keep seq, id, times and hashes, and the log still verifies', async () => {
      const { tenantId, recordSeq } = await logWithRecord();
      const before = await all(tenantId);
      const nodesBefore = await store.getMerkleNodes(tenantId, before.map((e) => ({ level: 0, index: e.seq - 1 })));
      const outcome = await store.forgetEvents(tenantId, [2, 3, 4, 7], { kind: 'deleted', bySeq: recordSeq });
      assert.equal(outcome.forgotten, 4);
      assert.ok(outcome.bytesFreed > 4 * 200, `freed ${outcome.bytesFreed}`);
      const after = await all(tenantId);
      assert.equal(after.length, before.length);
      for (const [i, event] of after.entries()) {
        const was = before[i]!;
        assert.equal(event.leaf_hash, was.leaf_hash);
        assert.equal(event.chain_hash, was.chain_hash);
        if ([2, 3, 4, 7].includes(event.seq)) {
          assert.deepEqual(event, {
            id: was.id, seq: was.seq, tenant_id: tenantId, action: '', category: '', occurred_at: was.occurred_at, received_at: was.received_at,
            leaf_hash: was.leaf_hash, chain_hash: was.chain_hash, forgotten: { kind: 'deleted', by_seq: recordSeq },
          });
        } else {
          assert.deepEqual(event, was);
        }
      }
      assert.deepEqual(await store.getMerkleNodes(tenantId, before.map((e) => ({ level: 0, index: e.seq - 1 }))), nodesBefore);
      assert.equal(await store.countEvents(tenantId, sql("actor_email LIKE 'u%'")), 6);
      const summary = verifyLog(after);
      assert.deepEqual(summary.failures, []);
      assert.deepEqual(summary.forgotten, [{ kind: 'deleted', from_seq: 2, to_seq: 4, by_seq: recordSeq }, { kind: 'deleted', from_seq: 7, to_seq: 7, by_seq: recordSeq }]);
    });

    it('skips tombstones already made and seqs at or after the record', async () => {
      const { tenantId, recordSeq } = await logWithRecord();
      assert.equal((await store.forgetEvents(tenantId, [2, 3], { kind: 'deleted', bySeq: recordSeq })).forgotten, 2);
      const again = await store.forgetEvents(tenantId, [2, 3, 4, recordSeq, recordSeq + 5], { kind: 'deleted', bySeq: recordSeq });
      assert.deepEqual(again.forgotten, 1);
      assert.equal((await store.getEvent(tenantId, (await all(tenantId))[recordSeq - 1]!.id))?.action, 'audit.deleted');
      assert.deepEqual(await store.forgetEvents(tenantId, [], { kind: 'deleted', bySeq: recordSeq }), { forgotten: 0, bytesFreed: 0 });
    });

    it('refuses the same tombstoning issued directly in SQL, and any other change to a tombstone', async () => {
      const { tenantId, recordSeq } = await logWithRecord();
      await assert.rejects(t.raw(`UPDATE events SET ${CONTENT_NULL}, action = '', category = '', forgotten_kind = 'deleted', forgotten_by = ? WHERE tenant_id = ? AND seq = 5`, [recordSeq, tenantId]), /append-only/);
      await store.forgetEvents(tenantId, [2], { kind: 'deleted', bySeq: recordSeq });
      await assert.rejects(t.raw("UPDATE events SET action = 'x' WHERE tenant_id = ? AND seq = 2", [tenantId]), /append-only/);
      await assert.rejects(t.raw('UPDATE events SET forgotten_kind = NULL WHERE tenant_id = ? AND seq = 2', [tenantId]), /append-only/);
      await assert.rejects(t.raw('DELETE FROM events WHERE tenant_id = ? AND seq = 2', [tenantId]), /append-only/);
      assert.equal(await store.countEvents(tenantId, sql('forgotten_kind IS NULL')), 10);
    });

    it('is caught by verification when content goes without a record that names it', async () => {
      const { tenantId, recordSeq } = await logWithRecord();
      // Seq 9 is not in the record's ranges: the store does it (it does not read records), the verifier refuses it.
      await store.forgetEvents(tenantId, [9], { kind: 'deleted', bySeq: recordSeq });
      const summary = verifyLog(await all(tenantId));
      assert.deepEqual(summary.failures.map((f) => [f.seq, f.reason]), [[9, 'content_removed']]);
    });
  });
}
