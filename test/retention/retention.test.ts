// Retention, legal hold, deletion by id and erasure end to end, on both engines: what a user
// forgets is gone from reads, the log still verifies (naming what was forgotten and why), proofs
// of what remains hold against checkpoints signed before and after, an exported file verifies
// offline, and content removed outside the one path is still caught.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openCheckpoint, verifyConsistency, verifyInclusion } from '@stele/integrity';
import { verifyExportFile } from '../../src/verification/export-verifier.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { dropAppendOnlyGuards } from '../helpers/hostile-dba.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const DAY = 86_400_000;
const fromHex = (hex: string) => Buffer.from(hex, 'hex');
// Every time in these tests is relative to one frozen instant, the app's clock.
const T = Date.parse('2026-11-20T12:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();

interface Failure { seq: number; reason: string }
interface Forgotten { kind: string; from_seq: number; to_seq: number; by_seq: number }

for (const engine of ENGINES) {
  describe(`retention on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let dir: string;
    let noteKey: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'stele-retention-'));
      t = await startTestApp(engine.name, { STELE_DATA_DIR: dir, STELE_CHECKPOINT_EVERY_EVENTS: '1000000', STELE_RETENTION_BATCH: '3' }, () => T);
      noteKey = (await t.request({ method: 'GET', url: '/v1/integrity/public-key', key: (await tenant()).key })).json().note_key;
    });
    after(async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function tenant() {
      return t.tenantWithKey(['events:write', 'audit:read', 'audit:write', 'audit:export', 'retention:manage']);
    }
    const call = async (key: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, status = 200) => {
      const response = await t.request({ method, url, key, ...(payload !== undefined && { payload: payload as object }) });
      assert.equal(response.statusCode, status, `${method} ${url}: ${response.body}`);
      return response.body === '' ? undefined : response.json();
    };
    const send = async (key: string, events: object[]) => (await call(key, 'POST', '/v1/events', events, 201)) as { events: { id: string; seq: number }[] };
    const verify = async (key: string) => (await call(key, 'POST', '/v1/integrity/verify', {})) as { ok: boolean; failures: Failure[]; forgotten: Forgotten[] };
    const event = (key: string, id: string) => call(key, 'GET', `/v1/events/${encodeURIComponent(id)}`);
    const checkpoint = async (key: string) => (await call(key, 'POST', '/v1/integrity/checkpoints', undefined, 201)) as { tree_size: number; checkpoint: string };
    const logOf = async (key: string, q: string) => ((await call(key, 'GET', `/v1/events?sort=seq&order=asc&limit=500&q=${encodeURIComponent(q)}`)) as { events: { id: string; seq: number; details?: Record<string, unknown> }[] }).events;

    it('purges events older than the window, keeps one a second inside it, and the log still proves what remains', async () => {
      const { key } = await tenant();
      const old = await send(key, [
        ...Array.from({ length: 5 }, (_, i) => ({ id: `old-${i}`, action: 'document.viewed', occurred_at: at(T - 200 * DAY + i), actor: { id: 'ada' }, details: { i } })),
        { id: 'just-outside', action: 'document.viewed', occurred_at: at(T - 90 * DAY - 1000) },
        { id: 'just-inside', action: 'document.viewed', occurred_at: at(T - 90 * DAY + 1000) },
        { id: 'recent', action: 'document.viewed', occurred_at: at(T - DAY) },
      ]);
      const before = await checkpoint(key);
      assert.deepEqual((await call(key, 'GET', '/v1/retention')), {
        days: 90, default_days: 90, source: 'default', legal_hold: false, reason: null, updated_at: null, next_purge_at: at(T + 3600_000), last_purge: null,
      });
      const dry = await call(key, 'POST', '/v1/retention/purges', { dry_run: true });
      assert.equal(dry.purged, 6);
      assert.equal((await event(key, 'old-0')).details.i, 0, 'a dry run forgets nothing');

      const run = await call(key, 'POST', '/v1/retention/purges', {});
      assert.equal(run.purged, 6);
      assert.equal(run.cutoff, at(T - 90 * DAY));
      assert.ok(run.bytes_freed > 0);
      const seqOf = (id: string) => old.events.find((e) => e.id === id)!.seq;
      assert.deepEqual(run.seq_ranges, [[seqOf('old-0'), seqOf('just-outside')]]);
      assert.equal((await call(key, 'GET', '/v1/retention')).last_purge.purged, 6);

      const tomb = await event(key, 'old-3');
      assert.equal(tomb.forgotten.kind, 'purged');
      assert.equal(tomb.details, undefined);
      assert.equal(tomb.actor, undefined);
      assert.match(tomb.reason, /retention window of 90 days/);
      assert.equal(tomb.deleted_by.type, 'system');
      assert.equal((await event(key, 'just-inside')).action, 'document.viewed');
      assert.deepEqual(await logOf(key, 'actor.id:ada'), []);
      const [record] = await logOf(key, 'action:retention.purged');
      assert.deepEqual(record!.details, { count: 6, seq_ranges: [[seqOf('old-0'), seqOf('just-outside')]], cutoff: at(T - 90 * DAY), days: 90 });

      const result = await verify(key);
      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.forgotten, [{ kind: 'purged', from_seq: seqOf('old-0'), to_seq: seqOf('just-outside'), by_seq: record!.seq }]);

      // Proofs of what remains, against the checkpoint signed before the purge and one signed after.
      const afterPurge = await checkpoint(key);
      for (const cp of [before, afterPurge]) {
        const root = openCheckpoint(cp.checkpoint, noteKey).rootHash;
        for (const id of ['just-inside', 'recent']) {
          const proof = await call(key, 'GET', `/v1/events/${id}/proof?tree_size=${cp.tree_size}`);
          verifyInclusion(fromHex(proof.leaf_hash), proof.leaf_index, cp.tree_size, proof.proof.map(fromHex), root);
        }
      }
      const consistency = await call(key, 'GET', `/v1/integrity/consistency?from=${before.tree_size}&to=${afterPurge.tree_size}`);
      verifyConsistency(before.tree_size, afterPurge.tree_size, consistency.proof.map(fromHex),
        openCheckpoint(before.checkpoint, noteKey).rootHash, openCheckpoint(afterPurge.checkpoint, noteKey).rootHash);

      // A second run finds nothing more; the records themselves are never purged.
      assert.equal((await call(key, 'POST', '/v1/retention/purges', {})).purged, 0);
    });

    it('keeps events forever with days null, and a custom window moves the cut-off', async () => {
      const { key } = await tenant();
      await send(key, [{ id: 'ancient', action: 'x.y', occurred_at: at(T - 3000 * DAY) }, { id: 'forty', action: 'x.y', occurred_at: at(T - 40 * DAY) }]);
      assert.equal((await call(key, 'PUT', '/v1/retention', { days: null })).days, null);
      assert.equal((await call(key, 'POST', '/v1/retention/purges', {})).skipped, 'forever');
      assert.equal((await event(key, 'ancient')).action, 'x.y');
      await call(key, 'PUT', '/v1/retention', { days: 30 });
      assert.equal((await call(key, 'POST', '/v1/retention/purges', {})).purged, 2);
      await call(key, 'PUT', '/v1/retention', { days: 0 }, 400);
      const changes = await logOf(key, 'action:retention.changed');
      assert.deepEqual(changes.map((e) => e.details?.days), [{ from: 90, to: null }, { from: null, to: 30 }]);
    });

    it('stops every purge, deletion and erasure under legal hold until it is lifted, and records both', async () => {
      const { key } = await tenant();
      await send(key, [{ id: 'held', action: 'x.y', occurred_at: at(T - 400 * DAY), actor: { id: 'bob' } }]);
      await call(key, 'PUT', '/v1/retention', { legal_hold: true }, 400);
      const held = await call(key, 'PUT', '/v1/retention', { legal_hold: true, reason: 'Case 2026-114' });
      assert.equal(held.legal_hold, true);
      assert.equal((await call(key, 'POST', '/v1/retention/purges', {})).skipped, 'legal_hold');
      const refused = await t.request({ method: 'DELETE', url: '/v1/events/held', key, payload: { reason: 'cleanup' } });
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().error.code, 'legal_hold');
      assert.equal((await t.request({ method: 'POST', url: '/v1/erasures', key, payload: { actor_id: 'bob', reason: 'GDPR' } })).json().error.code, 'legal_hold');
      assert.equal((await event(key, 'held')).action, 'x.y');
      await call(key, 'PUT', '/v1/retention', { legal_hold: false, reason: 'Case closed' });
      assert.equal((await call(key, 'POST', '/v1/retention/purges', {})).purged, 1);
      const holds = await logOf(key, 'action:legal_hold.*');
      assert.deepEqual(holds.map((e) => e.details?.reason), ['Case 2026-114', 'Case closed']);
    });

    it('deletes one event as a tombstone with who, when and why, and keeps the records that prove it', async () => {
      const { key, keyId } = await tenant();
      await send(key, [{ id: 'keep-1', action: 'a.b' }, { id: 'secret-doc', action: 'document.shared', details: { ssn: '078-05-1120' } }, { id: 'keep-2', action: 'a.b' }]);
      await call(key, 'DELETE', '/v1/events/secret-doc', {}, 400);
      await call(key, 'DELETE', '/v1/events/nope', { reason: 'x' }, 404);
      await call(key, 'DELETE', '/v1/events/secret-doc', { reason: 'Customer asked (ticket 42)' }, 204);
      const tomb = await event(key, 'secret-doc');
      assert.equal(tomb.details, undefined);
      assert.equal(tomb.forgotten.kind, 'deleted');
      assert.equal(tomb.reason, 'Customer asked (ticket 42)');
      assert.equal(tomb.deleted_by.id, keyId);
      assert.equal(tomb.deleted_at, at(T));
      await call(key, 'DELETE', '/v1/events/secret-doc', { reason: 'again' }, 409);
      const [record] = await logOf(key, 'action:audit.deleted');
      await call(key, 'DELETE', `/v1/events/${record!.id}`, { reason: 'hide it' }, 409);
      const result = await verify(key);
      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.forgotten.map((f) => [f.kind, f.from_seq, f.by_seq]), [['deleted', tomb.seq, record!.seq]]);
      // A client cannot write such a record itself.
      const forged = await t.request({ method: 'POST', url: '/v1/events', key, payload: { action: 'audit.deleted', details: { seq_ranges: [[1, 3]] } } });
      assert.equal(forged.statusCode, 400);
    });

    it('erases a person in one audited step, named only by an HMAC', async () => {
      const { key } = await tenant();
      await send(key, [
        { id: 'e1', action: 'login', actor: { id: 'carol', email: 'carol@example.com' } },
        { id: 'e2', action: 'login', actor: { id: 'dave' } },
        { id: 'e3', action: 'doc.read', actor: { id: 'carol' }, details: { doc: 7 } },
      ]);
      await call(key, 'POST', '/v1/erasures', { reason: 'x' }, 400);
      const erasure = await call(key, 'POST', '/v1/erasures', { actor_id: 'carol', reason: 'Art. 17 request 9' }, 201);
      assert.equal(erasure.count, 2);
      assert.equal(erasure.subject.hmac, (await call(key, 'POST', '/v1/hash', { value: 'carol' })).hash);
      assert.equal(JSON.stringify(erasure).includes('carol'), false);
      assert.deepEqual((await call(key, 'GET', '/v1/erasures')).erasures.map((e: { id: string }) => e.id), [erasure.id]);
      assert.deepEqual(await logOf(key, 'actor.id:carol'), []);
      assert.equal((await event(key, 'e2')).actor.id, 'dave');
      assert.equal((await event(key, 'e3')).forgotten.kind, 'erased');
      const result = await verify(key);
      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.forgotten.map((f) => f.kind), ['erased', 'erased']);
    });

    it('erases a person by email in the events stored before, during and after redaction of actor.email', async () => {
      const { key } = await tenant();
      await send(key, [{ id: 'plain-1', action: 'login', actor: { email: 'eve@example.com', name: 'Eve' } }]);
      await call(key, 'PUT', '/v1/redaction', { paths: ['actor.email'] });
      await send(key, [
        { id: 'hashed-1', action: 'login', actor: { email: 'eve@example.com', name: 'Eve' } },
        { id: 'hashed-other', action: 'login', actor: { email: 'frank@example.com' } },
      ]);
      const hmac = (await call(key, 'POST', '/v1/hash', { value: 'eve@example.com' })).hash as string;
      assert.equal((await event(key, 'hashed-1')).actor.email, hmac, 'stored redacted');
      await call(key, 'PUT', '/v1/redaction', { paths: [] });
      await send(key, [{ id: 'plain-2', action: 'login', actor: { email: 'eve@example.com' } }]);

      const erasure = await call(key, 'POST', '/v1/erasures', { email: 'eve@example.com', reason: 'Art. 17 request 12' }, 201);
      assert.equal(erasure.count, 3);
      assert.equal(erasure.subject.hmac, hmac);
      for (const id of ['plain-1', 'hashed-1', 'plain-2']) {
        const tomb = await event(key, id);
        assert.equal(tomb.forgotten?.kind, 'erased', id);
        assert.equal(tomb.actor, undefined, id);
      }
      assert.equal((await event(key, 'hashed-other')).actor.email, (await call(key, 'POST', '/v1/hash', { value: 'frank@example.com' })).hash);
      assert.deepEqual(await logOf(key, `actor.email:"${hmac}"`), []);
      assert.deepEqual((await verify(key)).failures, []);
    });

    it('answers a resend of a deleted or purged event with its seq and never brings its content back', async () => {
      const { key } = await tenant();
      const original = [
        { id: 'resent-deleted', action: 'document.shared', details: { ssn: '078-05-1120' } },
        { id: 'resent-purged', action: 'document.viewed', occurred_at: at(T - 200 * DAY), details: { page: 4 } },
      ];
      const first = await send(key, original);
      await call(key, 'DELETE', '/v1/events/resent-deleted', { reason: 'ticket 77' }, 204);
      assert.equal((await call(key, 'POST', '/v1/retention/purges', {})).purged, 1);

      // A client retrying the original batch, with one new event in it: all of it is accepted.
      const retry = await send(key, [...original, { id: 'resent-new', action: 'document.viewed' }]);
      assert.deepEqual(retry.events.slice(0, 2), first.events);
      assert.equal(retry.events[2]!.id, 'resent-new');
      assert.equal((await send(key, [original[0]!])).events[0]!.seq, first.events[0]!.seq, 'alone as well');
      const deleted = await event(key, 'resent-deleted');
      assert.equal(deleted.forgotten.kind, 'deleted');
      assert.equal(deleted.details, undefined);
      assert.equal((await event(key, 'resent-purged')).forgotten.kind, 'purged');
      assert.deepEqual(await logOf(key, 'details.ssn:"078-05-1120"'), []);
      assert.deepEqual((await verify(key)).failures, []);
    });

    it('catches content removed outside the forgetting path, even beside legitimate tombstones', async () => {
      const { key, tenantId } = await tenant();
      const sent = await send(key, Array.from({ length: 6 }, (_, i) => ({ id: `h${i}`, action: 'x.y', occurred_at: at(T - 100 * DAY + i), details: { i } })));
      await send(key, [{ id: 'fresh', action: 'x.y', details: { keep: true } }]);
      const run = await call(key, 'POST', '/v1/retention/purges', {});
      assert.equal(run.purged, 6);
      const [record] = await logOf(key, 'action:retention.purged');
      await dropAppendOnlyGuards(t.db);
      const freshSeq = (await event(key, 'fresh')).seq;
      // Blanked by hand and marked as if the purge had done it: no record names this seq.
      await t.db.raw(`UPDATE events SET details = NULL, action = '', category = '', forgotten_kind = 'purged', forgotten_by = ? WHERE tenant_id = ? AND seq = ?`, [record!.seq, tenantId, freshSeq]);
      // And a tombstone's row deleted outright.
      await t.db.raw('DELETE FROM events WHERE tenant_id = ? AND seq = ?', [tenantId, sent.events[2]!.seq]);
      const result = await verify(key);
      assert.equal(result.ok, false);
      assert.deepEqual(result.failures.map((f) => [f.seq, f.reason]).filter(([, reason]) => reason !== 'root_mismatch'),
        [[sent.events[2]!.seq, 'event_missing'], [freshSeq, 'content_removed']]);
    });

    it('verifies an exported file offline, accepting only the gaps a record explains', async () => {
      const { key } = await tenant();
      await send(key, [
        ...Array.from({ length: 4 }, (_, i) => ({ id: `x${i}`, action: 'x.y', occurred_at: at(T - 365 * DAY), details: { i } })),
        { id: 'gone', action: 'x.y', details: { card: '4111' } },
        { id: 'stays', action: 'x.y', details: { ok: 1 } },
      ]);
      await call(key, 'POST', '/v1/retention/purges', {});
      await call(key, 'DELETE', '/v1/events/gone', { reason: 'PCI' }, 204);
      const cp = await checkpoint(key);
      const exported = await t.request({ method: 'GET', url: '/v1/events/export?format=ndjson', key });
      assert.equal(exported.statusCode, 200);
      const lines = exported.body.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => (e.seq as number) <= cp.tree_size);
      assert.equal(lines.filter((e) => e.forgotten).length, 5);
      const { pem } = await call(key, 'GET', '/v1/integrity/public-key');
      const file = join(dir, `export-${engine.name}.ndjson`);
      const check = async (events: Record<string, unknown>[]) => {
        writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
        return verifyExportFile({ eventsFile: file, checkpointText: cp.checkpoint, publicKeyPem: pem });
      };
      const good = await check(lines);
      assert.deepEqual(good.failures, []);
      assert.equal(good.rootMatched, true);
      // The same file with one more event blanked and marked forgotten: refused.
      const stays = lines.findIndex((e) => e.id === 'stays');
      const forged = lines.map((e, i) => (i === stays ? { id: e.id, seq: e.seq, tenant_id: e.tenant_id, action: '', category: '', occurred_at: e.occurred_at, received_at: e.received_at, leaf_hash: e.leaf_hash, chain_hash: e.chain_hash, forgotten: { kind: 'deleted', by_seq: cp.tree_size } } : e));
      const bad = await check(forged);
      assert.deepEqual(bad.failures.map((f) => [f.seq, f.reason]), [[lines[stays]!.seq, 'content_removed']]);
      assert.ok(readFileSync(file, 'utf8').length > 0);

      // An evidence file of a selection that holds tombstones carries the records that explain them.
      const xSeqs = lines.filter((e) => typeof e.id === 'string' && /^x\d$|^gone$|^stays$/.test(e.id)).map((e) => e.seq as number);
      const q = encodeURIComponent(`seq:>=${Math.min(...xSeqs)} seq:<=${Math.max(...xSeqs)}`);
      const evidence = await t.request({ method: 'GET', url: `/v1/events/export?format=ndjson&proofs=true&q=${q}`, key });
      assert.equal(evidence.statusCode, 200, evidence.body);
      writeFileSync(file, evidence.body);
      const proved = await verifyExportFile({ eventsFile: file, publicKeyPem: pem });
      assert.equal(proved.mode, 'evidence');
      assert.deepEqual(proved.failures, []);
      const actions = evidence.body.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).map((e) => e.action).filter((a) => a !== undefined);
      assert.deepEqual(actions.filter((a) => a !== 'x.y' && a !== ''), ['retention.purged', 'audit.deleted']);
    });

    it('redacts configured paths at ingest as an HMAC that /v1/hash reproduces and search finds', async () => {
      const { key } = await tenant();
      await call(key, 'PUT', '/v1/redaction', { paths: ['password'] }, 400);
      await call(key, 'PUT', '/v1/redaction', { paths: ['actor.id'] }, 400);
      const set = await call(key, 'PUT', '/v1/redaction', { paths: ['details.password', 'details.card.*', 'context.ip'] });
      assert.deepEqual(set.paths, ['details.password', 'details.card.*', 'context.ip']);
      await send(key, [{ id: 'r1', action: 'user.password_set', context: { ip: '203.0.113.9' }, details: { password: 'hunter2', card: { number: '4111111111111111', cvc: 123 }, note: 'kept' } }]);
      const stored = await event(key, 'r1');
      const hash = (await call(key, 'POST', '/v1/hash', { value: 'hunter2' })).hash as string;
      assert.match(hash, /^hmac-sha256:[0-9a-f]{64}$/);
      assert.equal(stored.details.password, hash);
      assert.equal(stored.details.card.cvc, (await call(key, 'POST', '/v1/hash', { value: 123 })).hash);
      assert.equal(stored.details.note, 'kept');
      assert.equal(stored.context.ip, (await call(key, 'POST', '/v1/hash', { value: '203.0.113.9' })).hash);
      assert.equal(JSON.stringify(stored).includes('hunter2'), false);
      assert.deepEqual((await logOf(key, `details.password:"${hash}"`)).map((e) => e.id), ['r1']);
      const [change] = await logOf(key, 'action:redaction.changed');
      assert.deepEqual(change!.details, { paths: { from: [], to: ['details.password', 'details.card.*', 'context.ip'] } });
      // Another tenant's secret gives another HMAC.
      const other = await tenant();
      assert.notEqual((await call(other.key, 'POST', '/v1/hash', { value: 'hunter2' })).hash, hash);
      assert.deepEqual((await verify(key)).failures, []);
    });

    it('purges in small batches while ingest keeps flowing, and the log verifies after', async () => {
      const { key } = await tenant();
      for (let i = 0; i < 4; i++) {
        await send(key, Array.from({ length: 50 }, (_, j) => ({ action: 'bulk.old', occurred_at: at(T - 120 * DAY + i * 50 + j) })));
      }
      // Batches of 3 (STELE_RETENTION_BATCH) with a pause after each: ingest requests land between them.
      const purge = call(key, 'POST', '/v1/retention/purges', {});
      const sends: number[] = [];
      for (let i = 0; i < 10; i++) sends.push((await t.request({ method: 'POST', url: '/v1/events', key, payload: [{ action: 'live.event', details: { i } }] })).statusCode);
      const run = await purge;
      assert.deepEqual(sends, Array(10).fill(201));
      assert.equal(run.purged, 200);
      assert.equal((await logOf(key, 'action:live.event')).length, 10);
      const result = await verify(key);
      assert.deepEqual(result.failures, []);
      assert.equal(result.forgotten.reduce((n, f) => n + f.to_seq - f.from_seq + 1, 0), 200);
    });
  });

  describe(`the purge job on ${engine.name}`, { skip: engine.skip }, () => {
    it('purges expired events on its own, one interval after start and every interval after', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'stele-purge-job-'));
      const t = await startTestApp(engine.name, { STELE_DATA_DIR: dir, STELE_RETENTION_PURGE_INTERVAL_SECONDS: '1' });
      try {
        const { key } = await t.tenantWithKey(['events:write', 'audit:read', 'retention:manage']);
        const old = await t.request({ method: 'POST', url: '/v1/events', key, payload: [{ id: 'job-old', action: 'x.y', occurred_at: at(Date.now() - 100 * DAY) }, { id: 'job-new', action: 'x.y' }] });
        assert.equal(old.statusCode, 201);
        const started = Date.now();
        let tomb: { forgotten?: { kind: string } } = {};
        while (!tomb.forgotten && Date.now() - started < 20_000) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          tomb = (await t.request({ method: 'GET', url: '/v1/events/job-old', key })).json();
        }
        assert.equal(tomb.forgotten?.kind, 'purged');
        assert.equal((await t.request({ method: 'GET', url: '/v1/events/job-new', key })).json().action, 'x.y');
        const records = (await t.request({ method: 'GET', url: `/v1/events?q=${encodeURIComponent('action:retention.purged')}`, key })).json().events;
        assert.deepEqual(records.map((e: { details: { count: number } }) => e.details.count), [1]);
        // The run's own record is written after its events are forgotten: the tombstone can be seen first.
        let view = (await t.request({ method: 'GET', url: '/v1/retention', key })).json();
        while (!view.last_purge && Date.now() - started < 20_000) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          view = (await t.request({ method: 'GET', url: '/v1/retention', key })).json();
        }
        assert.ok(Date.parse(view.next_purge_at) > Date.parse(view.last_purge.finished_at));
      } finally {
        await t.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
