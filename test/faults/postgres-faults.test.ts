// PostgreSQL going away under write load, as an operator meets it: a restart, a DBA terminating
// the server's connections, a network that stalls. Through each, the Stele process must stay up,
// answer 503 with Retry-After while the database is away (promptly, not after the fault is over),
// say so on /readyz, and take writes again once the database is back, without being restarted.
// Afterwards every acknowledged event is stored, the log is gap-free and verifies.
//
// The server runs as a real process on a throw-away cluster of this suite's own, reached through a
// TCP proxy that can stall.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startThrowawayPostgres, THROWAWAY_POSTGRES_SKIP_REASON, type ThrowawayPostgres } from '../helpers/throwaway-postgres.js';
import { REQUEST_BOUND_MS, startWriteLoad, type WriteLoad } from './write-load.js';

const ADMIN = 'stele_admin_postgres_faults_test_token';
const WRITERS = 4;
// How long a phase may take to show what it waits for before the test gives up on it.
const PHASE_DEADLINE_MS = 30_000;

describe('PostgreSQL faults under write load', { skip: THROWAWAY_POSTGRES_SKIP_REASON }, () => {
  let cluster: ThrowawayPostgres;
  let proxy: TcpProxy;
  let server: ServerProcess;
  let load: WriteLoad;
  let key: string;
  let tenantId: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'stele-faults-'));

  const call = async (method: string, path: string, body?: unknown, token = key) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_BOUND_MS),
    });
    return { status: response.status, text: await response.text() };
  };
  const readyz = async () => (await call('GET', '/readyz')).status;

  async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + PHASE_DEADLINE_MS;
    while (!(await condition())) {
      assert.deepEqual(load.problems, [], `while waiting until ${what}`);
      if (Date.now() > deadline) assert.fail(`gave up waiting until ${what}\nserver output (tail):\n${server.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** While the fault lasts: writes are answered 503 (each writer hears back), and so is /readyz. */
  async function answers503(fault: string): Promise<void> {
    const before = load.unavailable();
    await waitFor(`every writer had a 503 with Retry-After (${fault})`, () => load.unavailable() >= before + WRITERS);
    await waitFor(`/readyz answered 503 (${fault})`, async () => (await readyz()) === 503);
  }

  /** Once it is over: /readyz is 200 again and writes are acknowledged again, by the same process. */
  async function recovers(fault: string): Promise<void> {
    await waitFor(`/readyz answered 200 after ${fault}`, async () => (await readyz()) === 200);
    const stored = load.stored();
    await waitFor(`writes were acknowledged again after ${fault}`, () => load.stored() >= stored + 2 * WRITERS);
    assert.equal(server.child.exitCode, null, `the server exited:\n${server.output().slice(-3000)}`);
    assert.deepEqual(load.problems, []);
  }

  before(async () => {
    cluster = await startThrowawayPostgres();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: cluster.port });
    server = await startServerProcess({
      STELE_DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
      STELE_DATABASE_CONNECT_TIMEOUT_MS: '1000',
      STELE_DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      STELE_DATA_DIR: dataDir,
      STELE_ADMIN_TOKEN: ADMIN,
      STELE_RATE_LIMIT_PER_MINUTE: '0',
      // Only the periodic sweep makes checkpoints, so the last test sees it survived the faults.
      STELE_CHECKPOINT_EVERY_SECONDS: '1',
      STELE_CHECKPOINT_EVERY_EVENTS: '1000000000',
    });
    tenantId = JSON.parse((await call('POST', '/v1/tenants', { name: 'faults' }, ADMIN)).text).id;
    key = JSON.parse((await call('POST', `/v1/tenants/${tenantId}/keys`, { name: 'w', scopes: ['events:write', 'audit:read', 'audit:export'] }, ADMIN)).text).key;
    load = startWriteLoad(server.url, key, WRITERS);
  });

  after(async () => {
    await load?.stop();
    await server?.stop();
    await proxy?.close();
    await cluster?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while PostgreSQL is stopped, and takes writes again once it is started', async () => {
    await waitFor('the writers got going', () => load.stored() >= 2 * WRITERS);
    await cluster.stop();
    await answers503('PostgreSQL stopped');
    await cluster.start();
    await recovers('PostgreSQL restarted');
  });

  it('survives pg_terminate_backend of every connection it holds, busy or idle, in each of its pools', async () => {
    // Connections in the export and verification pools as well as the statement pool.
    assert.equal((await call('GET', '/v1/events/export?format=csv')).status, 200);
    assert.equal((await call('POST', '/v1/integrity/verify', {})).status, 200);
    const terminate = () => cluster.query<{ pid: number; name: string }>(
      "SELECT pid, application_name AS name FROM pg_stat_activity WHERE application_name LIKE 'stele%' AND pg_terminate_backend(pid)");

    const busy = (await terminate()).map((r) => r.name);
    for (const use of ['stele', 'stele-pages', 'stele-export']) assert.ok(busy.includes(use), `a ${use} connection was terminated (${busy})`);
    await recovers('terminating its connections under load');

    await load.pause();
    const idle = (await terminate()).map((r) => r.pid);
    assert.ok(idle.length > 0, 'idle connections were terminated');
    // Their errors reach the server while nothing uses them: the case that used to end the process.
    await waitFor('the terminated backends were gone', async () =>
      (await cluster.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1)', [idle])).length === 0);
    load.resume();
    await recovers('terminating its idle connections');
  });

  it('answers 503 promptly while the network to PostgreSQL is stalled, and recovers when it flows again', async () => {
    proxy.stall();
    try {
      await answers503('network stalled');
    } finally {
      proxy.resume();
    }
    await recovers('the stall');
  });

  it('stored every acknowledged event, gap-free, and the log verifies', async () => {
    await load.stop();
    assert.deepEqual(load.problems, []);
    const rows = await cluster.query<{ id: string; seq: number }>('SELECT id, seq::int AS seq FROM events WHERE tenant_id = $1 ORDER BY seq', [tenantId]);
    assert.deepEqual(rows.map((r) => r.seq), rows.map((_, i) => i + 1), 'seq runs 1..n without a gap');
    const stored = new Map(rows.map((r) => [r.id, r.seq]));
    assert.ok(load.acked.size > 0);
    for (const [id, seq] of load.acked) assert.equal(stored.get(id), seq, `acknowledged event ${id} is stored with seq ${seq}`);

    const verification = await call('POST', '/v1/integrity/verify', {});
    assert.equal(verification.status, 200, verification.text);
    const result = JSON.parse(verification.text) as { ok: boolean; checked: number; failures: unknown[] };
    assert.deepEqual(result.failures, []);
    assert.equal(result.ok, true);
    assert.ok(result.checked >= rows.length);
  });

  it('kept its checkpoint sweep running through the faults', async () => {
    const lastAcked = Math.max(...load.acked.values());
    await waitFor(`a checkpoint covers seq ${lastAcked}`, async () => {
      const latest = await call('GET', '/v1/integrity/checkpoints/latest');
      return latest.status === 200 && (JSON.parse(latest.text) as { tree_size: number }).tree_size >= lastAcked;
    });
  });
});
