// STELE_DATABASE_READ_URL against a real PostgreSQL streaming replica: a throw-away primary, a
// second cluster made from it by `pg_basebackup -R` on another port (a hot standby), and a Stele
// process reading from it. The replica is made to lag on purpose (WAL replay paused): lists read
// from it show its older state, while a page token ahead of it, the feed, an export and a
// verification of the whole log are answered from the primary and stay correct; once replay
// resumes, the replica serves the new events. Both clusters are removed afterwards.
//
// Needs Debian's PostgreSQL binaries (/usr/lib/postgresql/*/bin): skipped without them, except
// under CI=true, where it fails.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { callServer, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startThrowawayPostgres, THROWAWAY_POSTGRES_SKIP_REASON, type ThrowawayPostgres } from '../helpers/throwaway-postgres.js';

const ADMIN = 'stele_admin_read_replica_test_token';

async function until(what: string, probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

describe('reads from a PostgreSQL streaming replica (STELE_DATABASE_READ_URL)', { skip: THROWAWAY_POSTGRES_SKIP_REASON }, () => {
  let primary: ThrowawayPostgres | undefined;
  let replica: ThrowawayPostgres | undefined;
  let withReplica: ServerProcess | undefined;
  let primaryOnly: ServerProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'stele-replica-'));
  let key: string;
  let tenantId: string;

  const call = (server: ServerProcess, method: string, path: string, body?: unknown, token = key) => callServer(server, method, path, token, body);
  const headOn = async (cluster: ThrowawayPostgres) => Number((await cluster.query<{ size: string }>('SELECT size FROM tenant_heads WHERE tenant_id = $1', [tenantId]))[0]?.size ?? 0);
  const send = (n: number, from: number) => call(withReplica!, 'POST', '/v1/events', Array.from({ length: n }, (_, i) => ({ action: 'doc.viewed', details: { n: from + i } })));
  const listed = (page: { events: { details: { n: number } }[] }) => page.events.map((e) => e.details.n);

  before(async () => {
    primary = await startThrowawayPostgres();
    replica = await startThrowawayPostgres({ replicaOf: primary });
    assert.deepEqual(await replica.query('SELECT pg_is_in_recovery() AS standby'), [{ standby: true }], 'the second cluster is a standby');
    const env = { STELE_DATABASE_URL: primary.url(), STELE_ADMIN_TOKEN: ADMIN, STELE_DATA_DIR: dataDir, STELE_RATE_LIMIT_PER_MINUTE: '0', STELE_LOG_LEVEL: 'warn' };
    withReplica = await startServerProcess({ ...env, STELE_DATABASE_READ_URL: replica.url() });
    primaryOnly = await startServerProcess(env);
    const tenant = await call(withReplica, 'POST', '/v1/tenants', { name: 'acme' }, ADMIN);
    tenantId = tenant.id;
    key = (await call(withReplica, 'POST', `/v1/tenants/${tenantId}/keys`, { name: 'k', scopes: ['events:write', 'audit:read', 'audit:export'] }, ADMIN)).key;
  });
  after(async () => {
    await withReplica?.stop();
    await primaryOnly?.stop();
    await replica?.destroy();
    await primary?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers lists from the lagging replica, and a token ahead of it, the feed, exports and verification from the primary', async () => {
    await send(30, 0);
    const caughtUp = await headOn(primary!);
    await until('the replica replays the first 30 events', async () => (await headOn(replica!)) >= caughtUp);

    await replica!.query('SELECT pg_wal_replay_pause()');
    await until('replay is paused', async () => (await replica!.query<{ paused: boolean }>('SELECT pg_is_wal_replay_paused() AS paused'))[0]!.paused);
    await send(20, 30);
    const head = await headOn(primary!);
    assert.equal(await headOn(replica!), caughtUp, 'the replica lags by the last 20 events');

    // A first page may come from the replica: it shows the log as the replica has it.
    const first = await call(withReplica!, 'GET', '/v1/events?action=doc.viewed&sort=seq&order=asc&limit=100');
    assert.deepEqual(listed(first), Array.from({ length: 30 }, (_, i) => i), 'the replica served the page (the primary has 50)');
    const connections = await replica!.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'stele-replica%'");
    assert.ok(Number(connections[0]!.n) > 0, 'Stele holds connections to the replica');

    // A page token from a node that read the primary, ahead of the replica: its next page comes from the primary.
    const fromPrimary = await call(primaryOnly!, 'GET', '/v1/events?action=doc.viewed&sort=seq&order=asc&limit=40');
    assert.deepEqual(listed(fromPrimary), Array.from({ length: 40 }, (_, i) => i));
    const next = await call(withReplica!, 'GET', `/v1/events?action=doc.viewed&sort=seq&order=asc&limit=40&page_token=${encodeURIComponent(fromPrimary.next_page_token)}`);
    assert.deepEqual(listed(next), Array.from({ length: 10 }, (_, i) => 40 + i), 'the rest of the log, none skipped');
    assert.equal(next.next_page_token, null);

    // The feed up to the head: nothing skipped, so its cursor is right.
    const feed = await call(withReplica!, 'GET', '/v1/events/feed?after_seq=0&limit=1000');
    assert.ok(feed.next_after_seq >= head, 'the feed reached the head');
    assert.deepEqual(feed.events.filter((e: { action: string }) => e.action === 'doc.viewed').map((e: { details: { n: number } }) => e.details.n), Array.from({ length: 50 }, (_, i) => i));

    // An export up to the head, in both the database-encoded (ndjson) and the JavaScript (json) path.
    const ndjson = await call(withReplica!, 'GET', '/v1/events/export?format=ndjson&action=doc.viewed') as string;
    assert.equal(ndjson.trim().split('\n').length, 50);
    // Verification of the whole log: pages past the replica's head are read from the primary.
    const verified = await call(withReplica!, 'POST', '/v1/integrity/verify', {});
    assert.equal(verified.ok, true, JSON.stringify(verified.failures));
    assert.ok(verified.checked >= 52, `checked ${verified.checked}`);

    await replica!.query('SELECT pg_wal_replay_resume()');
    const now = await headOn(primary!);
    await until('the replica catches up', async () => (await headOn(replica!)) >= now);
    const later = await call(withReplica!, 'GET', '/v1/events?action=doc.viewed&sort=seq&order=asc&limit=100');
    assert.deepEqual(listed(later), Array.from({ length: 50 }, (_, i) => i), 'once caught up, the replica serves the new events');
  });

  it('falls back to the primary when the replica is down', async () => {
    await replica!.stop();
    try {
      const page = await call(withReplica!, 'GET', '/v1/events?action=doc.viewed&sort=seq&order=asc&limit=100');
      assert.equal(page.events.length, 50);
    } finally {
      await replica!.start();
    }
  });
});
