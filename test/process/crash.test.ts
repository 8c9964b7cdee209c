// SIGKILL in the middle of ingest on SQLite, while the server's worker thread checkpoints the
// WAL: after a restart every acknowledged event is there and the log verifies.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TRUE } from '../../src/sql/fragments.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { callServer, startServerProcess } from '../helpers/server-process.js';

const ADMIN = 'stele_admin_crash_test_token_0123';

describe('a server killed mid-ingest (SQLite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stele-crash-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every acknowledged event, and the log verifies after the restart', async () => {
    const env = { STELE_DATA_DIR: dataDir, STELE_ADMIN_TOKEN: ADMIN, STELE_RATE_LIMIT_PER_MINUTE: '0' };
    const server = await startServerProcess(env);
    const tenant = await callServer(server, 'POST', '/v1/tenants', ADMIN, { name: 't' }) as { id: string };
    const { key } = await callServer(server, 'POST', `/v1/tenants/${tenant.id}/keys`, ADMIN, { name: 'k', scopes: ['events:write', 'audit:read'] }) as { key: string };

    const acked = new Set<string>();
    let killed = false;
    // Batches with bodies large enough that the WAL passes many checkpoints' worth of pages.
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !killed; i++) {
        const batch = Array.from({ length: 50 }, (_, j) => ({ action: 'doc.viewed', actor: { id: `user_${j % 7}` }, details: { w, i, j, text: 'z'.repeat(400) } }));
        try {
          const response = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
          if (response.status !== 201) break;
          for (const e of ((await response.json()) as { events: { id: string }[] }).events) acked.add(e.id);
        } catch {
          break; // the server is gone
        }
      }
    });
    // Long enough for several of the checkpointer's rounds (one every 200 ms).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    killed = true;
    await server.stop('SIGKILL');
    await Promise.all(writers);
    assert.ok(acked.size >= 500, `${acked.size} events acknowledged before the kill`);

    const store = openSqliteStore({ file: join(dataDir, 'stele.db') });
    try {
      const stored = new Set((await store.findEvents(tenant.id, { where: TRUE, order: { key: 'seq', direction: 'asc' }, limit: acked.size + 10_000 })).map((e) => e.id));
      const missing = [...acked].filter((id) => !stored.has(id));
      assert.deepEqual(missing, [], 'acknowledged events missing after the kill');
    } finally {
      await store.close();
    }
    const again = await startServerProcess(env);
    try {
      const verified = await callServer(again, 'POST', '/v1/integrity/verify', key, {}) as { ok: boolean };
      assert.equal(verified.ok, true);
    } finally {
      await again.stop();
    }
  });
});
