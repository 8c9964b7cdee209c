// /metrics of a real server process shows its group commits: how many events and appends each
// transaction took, the same events that were acknowledged.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startServerProcess } from '../helpers/server-process.js';

const ADMIN = 'stele_admin_commit_groups_test_token';

/** A metric's value from Prometheus' text format. */
function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is in /metrics`);
  return Number(line.split(' ')[1]);
}

describe('group commit in /metrics', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stele-groups-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('counts the events and appends of each commit group', async () => {
    // A short wait lets requests sent together share a group whatever the machine's speed.
    const server = await startServerProcess({ STELE_DATA_DIR: dataDir, STELE_ADMIN_TOKEN: ADMIN, STELE_GROUP_COMMIT_WAIT_MS: '20', STELE_RATE_LIMIT_PER_MINUTE: '0' });
    try {
      const post = (path: string, body: unknown, key = ADMIN) =>
        fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const tenant = (await (await post('/v1/tenants', { name: 't' })).json()) as { id: string };
      const { key } = (await (await post(`/v1/tenants/${tenant.id}/keys`, { name: 'k', scopes: ['events:write'] })).json()) as { key: string };
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post('/v1/events', { action: 'document.viewed', details: { i } }, key)));
      assert.deepEqual(answers.map((a) => a.status), Array(40).fill(201));

      const text = await (await fetch(`${server.url}/metrics`)).text();
      const groups = metric(text, 'stele_store_commit_group_events_count');
      const events = metric(text, 'stele_store_commit_group_events_sum');
      const appends = metric(text, 'stele_store_commit_group_appends_sum');
      // Every event appended went through a group: the 40 and Stele's own (tenant and key created).
      assert.equal(events, metric(text, 'stele_events_ingested_total'));
      assert.ok(events >= 40, `${events} events in groups`);
      assert.ok(appends >= 40, `${appends} appends in groups`);
      assert.ok(groups < appends, `${appends} appends shared ${groups} groups`);
    } finally {
      await server.stop();
    }
  });
});
