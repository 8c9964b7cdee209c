// SIGTERM while requests are in flight: the server finishes them, and every event it
// acknowledged is in the database afterwards.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eq } from '../../src/sql/fragments.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startServerProcess } from '../helpers/server-process.js';

const ADMIN = 'stele_admin_shutdown_test_token';

describe('graceful shutdown', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stele-shutdown-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every acknowledged event when stopped mid-traffic', async () => {
    const env = { STELE_DATA_DIR: dataDir, STELE_ADMIN_TOKEN: ADMIN };
    const server = await startServerProcess(env);
    const post = (path: string, body: unknown, key = ADMIN) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const tenant = (await (await post('/v1/tenants', { name: 't' })).json()) as { id: string };
    const { key } = (await (await post(`/v1/tenants/${tenant.id}/keys`, { name: 'k', scopes: ['events:write', 'audit:read'] })).json()) as { key: string };

    const acked = new Set<string>();
    let stopped = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stopped || i < 3; i++) {
        try {
          const response = await post('/v1/events', Array.from({ length: 10 }, (_, j) => ({ action: 'load', details: { w, i, j } })), key);
          if (response.status !== 201) break;
          for (const e of ((await response.json()) as { events: { id: string }[] }).events) acked.add(e.id);
        } catch {
          break; // connection refused once the server has closed
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    stopped = true;
    const exitCode = await server.stop("SIGTERM");
    await Promise.all(writers);
    assert.equal(exitCode, 0);
    assert.ok(acked.size > 0, 'some events were acknowledged before the stop');

    const again = await startServerProcess(env);
    try {
      const response = await fetch(`${again.url}/v1/events?include_total=true&limit=1`, { headers: { authorization: `Bearer ${key}` } });
      const { total } = (await response.json()) as { total: number };
      assert.ok(total >= acked.size, `${total} stored, ${acked.size} acknowledged`);
      for (const id of [...acked].slice(0, 50)) {
        assert.equal((await fetch(`${again.url}/v1/events/${id}`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
      }
    } finally {
      await again.stop();
    }
  });

  it('writes the pending counts of collapsed reads and refusals before it exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stele-shutdown-counts-'));
    try {
      const server = await startServerProcess({ STELE_DATA_DIR: dir, STELE_ADMIN_TOKEN: ADMIN });
      const call = (method: string, path: string, key: string, body?: unknown) => fetch(`${server.url}${path}`, {
        method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const tenant = (await (await call('POST', '/v1/tenants', ADMIN, { name: 't' })).json()) as { id: string };
      const { key } = (await (await call('POST', `/v1/tenants/${tenant.id}/keys`, ADMIN, { name: 'k', scopes: ['audit:read'] })).json()) as { key: string };
      for (let i = 0; i < 3; i++) {
        assert.equal((await call('GET', '/v1/events?action=x.*', key)).status, 200);
        assert.equal((await call('GET', '/v1/events/export?format=csv', key)).status, 403);
      }
      assert.equal(await server.stop('SIGTERM'), 0);

      const store = openSqliteStore({ file: join(dir, 'stele.db') });
      try {
        const counts = async (action: string) => (await store.findEvents(tenant.id, { where: eq('action', action), order: { key: 'seq', direction: 'asc' }, limit: 10 }))
          .map((e) => e.details?.count);
        assert.deepEqual(await counts('data.accessed'), [1, 2], 'the first read at once, the two repeats at shutdown');
        assert.deepEqual(await counts('access_denied'), [1, 2]);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
