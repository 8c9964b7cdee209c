// `stele serve --workers N` on one PostgreSQL: N worker processes answer on one port, one that
// dies is replaced, background work runs once at a time across them through the leases (a stream
// delivers every event once, in order; the checkpoint sweep makes one checkpoint per interval, not
// one per worker), and SIGTERM stops them all. On SQLite, --workers above 1 is refused.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openTestStore, POSTGRES_SKIP_REASON, type TestStore } from '../../src/store/testing/test-stores.js';
import { runCliToEnd, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startHttpReceiver, waitFor, type HttpReceiver } from '../streams/http-receiver.js';
import { webhookReceiver } from '../streams/vendor-receivers.js';

const ADMIN = 'stele_admin_workers_test_token_0123';
const WORKERS = 3;

async function call(url: string, method: string, path: string, key: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const workerPids = (output: string) => [...output.matchAll(/Stele worker (\d+) \(pid (\d+)\) is serving/g)].map((m) => ({ worker: Number(m[1]), pid: Number(m[2]) }));

describe(`stele serve --workers ${WORKERS} on one PostgreSQL`, { skip: POSTGRES_SKIP_REASON }, () => {
  let db: TestStore;
  let server: ServerProcess | undefined;
  let dataDir: string;
  let receiver: HttpReceiver | undefined;
  let key: string;
  let tenantId: string;

  before(async () => {
    db = await openTestStore('postgres');
    dataDir = mkdtempSync(join(tmpdir(), 'stele-workers-'));
    server = await startServerProcess({
      STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema!, STELE_ADMIN_TOKEN: ADMIN,
      STELE_DATA_DIR: dataDir, STELE_RATE_LIMIT_PER_MINUTE: '0', STELE_LOG_LEVEL: 'warn',
      STELE_CHECKPOINT_EVERY_SECONDS: '1', STELE_CHECKPOINT_EVERY_EVENTS: '1000000',
      STELE_STREAM_LEASE_SECONDS: '2', STELE_STREAM_RETRY_MAX_SECONDS: '1',
    }, ['--workers', String(WORKERS)]);
    const tenant = await call(server.url, 'POST', '/v1/tenants', ADMIN, { name: 'acme' });
    tenantId = tenant.id;
    key = (await call(server.url, 'POST', `/v1/tenants/${tenantId}/keys`, ADMIN, { name: 'k', scopes: ['events:write', 'audit:read', 'streams:manage'] })).key;
  });
  after(async () => {
    if (server) assert.equal(await server.stop('SIGTERM'), 0, 'SIGTERM stops the primary and its workers cleanly');
    await receiver?.close();
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the workers on one port and replaces one that dies', async () => {
    await waitFor('every worker to print its line', () => (workerPids(server!.output()).length >= WORKERS ? true : undefined), 60_000);
    const pids = workerPids(server!.output());
    assert.deepEqual(pids.map((p) => p.worker).sort(), Array.from({ length: WORKERS }, (_, i) => i + 1));
    assert.equal(new Set(pids.map((p) => p.pid)).size, WORKERS, 'one process each');
    assert.match(server!.output(), new RegExp(`listening on http://127\\.0\\.0\\.1:\\d+ with ${WORKERS} worker processes`));

    process.kill(pids[1]!.pid, 'SIGKILL');
    await waitFor('a new worker to replace the killed one', () => (workerPids(server!.output()).length > WORKERS ? true : undefined), 60_000);
    const replacement = workerPids(server!.output()).at(-1)!;
    assert.equal(replacement.worker, pids[1]!.worker);
    assert.notEqual(replacement.pid, pids[1]!.pid);
    // Many connections at once land on every worker; all answer.
    const answers = await Promise.all(Array.from({ length: 12 }, () => fetch(`${server!.url}/healthz`, { headers: { connection: 'close' } }).then((r) => r.status)));
    assert.deepEqual(new Set(answers), new Set([200]));
  });

  it('delivers a stream from one worker at a time: every event once, in order', async () => {
    receiver = await startHttpReceiver(() => [], () => ({ status: 200 }));
    const stream = await call(server!.url, 'POST', '/v1/streams', key, { name: 'hook', type: 'webhook', config: { url: receiver.url }, filter: { actions: ['doc.viewed'] } });
    // Written in parallel on fresh connections, so through several workers.
    const written = (await Promise.all(Array.from({ length: 6 }, async (_, r) => {
      const body = Array.from({ length: 50 }, (_, i) => ({ action: 'doc.viewed', details: { r, i } }));
      const response = await fetch(`${server!.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(body) });
      assert.equal(response.status, 201);
      return ((await response.json()) as { events: { id: string; seq: number }[] }).events;
    }))).flat().sort((a, b) => a.seq - b.seq);
    const carried = () => receiver!.requests.flatMap((r) => webhookReceiver.carried(r));
    await waitFor('delivery', () => (carried().length >= written.length ? true : undefined), 60_000);
    await waitFor('the cursor saved', async () => ((await call(server!.url, 'GET', `/v1/streams/${stream.id}`, key)).lag.events === 0 ? true : undefined), 60_000);
    // Time for any other worker to deliver the same events again, were the lease not working.
    await sleep(3_000);
    assert.deepEqual(carried().map((e) => e.id), written.map((e) => e.id), 'each event once, in seq order');
  });

  it('makes one checkpoint per interval across the workers, not one per worker', async () => {
    const count = async () => Number((await db.raw('SELECT count(*) AS n FROM checkpoints WHERE tenant_id = ?', [tenantId]))[0]!.n);
    // The sweep checkpoints new events (if the worker killed above held its lease, another takes
    // it over once the lease expires, after 30 s). Then the log is written without pause, so
    // that every worker's sweep would find something new each second if each swept.
    const initial = await count();
    await call(server!.url, 'POST', '/v1/events', key, [{ action: 'doc.edited', details: { n: -1 } }]);
    await waitFor('the sweep to checkpoint a new event', async () => ((await count()) > initial ? true : undefined), 120_000);
    await sleep(1_500);
    const before = await count();
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 6_000) {
      await call(server!.url, 'POST', '/v1/events', key, [{ action: 'doc.edited', details: { n: n++ } }]);
      await sleep(20);
    }
    await sleep(1_500);
    const made = (await count()) - before;
    const intervals = (Date.now() - started) / 1000;
    assert.ok(made >= 1, 'the sweep went on');
    // One sweeper: about one per second of writing (timer drift and a lease hand-over may add one
    // or two). Every worker sweeping would make about WORKERS times that.
    assert.ok(made <= Math.ceil(intervals) + 2, `${made} checkpoints in ${intervals.toFixed(1)} s of one-second intervals`);
  });
});

describe('stele serve --workers on SQLite', () => {
  it('is refused with a message that says why and what to do instead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stele-workers-sqlite-'));
    try {
      const { code, stderr, stdout } = await runCliToEnd(['serve', '--workers', '2'], { STELE_DATA_DIR: dir, STELE_DATABASE_URL: '', PORT: '0' });
      assert.equal(code, 2, stdout + stderr);
      assert.match(stderr, /--workers above 1 needs PostgreSQL \(STELE_DATABASE_URL\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
