import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from '../../src/sql/fragments.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCliToEnd, startServerProcess } from '../helpers/server-process.js';

describe('the stele command', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stele-cli-'));
  const env = { STELE_DATA_DIR: dataDir };
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('migrates, creates a tenant and a key that the server then accepts', async () => {
    assert.match((await runCliToEnd(['migrate'], env)).stdout, /migrated \(sqlite\)/);
    const tenant = JSON.parse((await runCliToEnd(['tenants', 'create', 'Acme'], env)).stdout);
    assert.equal(tenant.name, 'Acme');
    const created = await runCliToEnd(['keys', 'create', '--tenant', tenant.id, '--scopes', 'events:write,audit:read'], env);
    const { key, scopes } = JSON.parse(created.stdout);
    assert.deepEqual(scopes, ['events:write', 'audit:read']);
    assert.match(key, /^stele_/);

    const server = await startServerProcess(env);
    try {
      assert.match(server.output(), /Instance admin token \(shown once/);
      const sent = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"action":"cli.works"}' });
      assert.equal(sent.status, 201);
    } finally {
      await server.stop();
    }
    const second = await startServerProcess(env);
    try {
      assert.doesNotMatch(second.output(), /Instance admin token \(shown once/, 'the admin token is printed on first start only');
    } finally {
      await second.stop();
    }
    // The instance log has the tenant the CLI made and the admin token the first start made, once.
    const store = openSqliteStore({ file: join(dataDir, 'stele.db') });
    try {
      const instance = await store.findEvents('_system', { where: sql('1 = 1'), order: { key: 'seq', direction: 'asc' }, limit: 100 });
      assert.deepEqual(instance.map((e) => [e.action, e.actor?.type]), [['tenant.created', 'cli'], ['settings.changed', 'system']]);
      assert.deepEqual(instance[1]!.details, { setting: 'admin_token', change: 'generated at first start' });
    } finally {
      await store.close();
    }
  });

  it('explains a bad scope and an unknown tenant in one line and exits 1', async () => {
    const badScope = await runCliToEnd(['keys', 'create', '--tenant', 'x', '--scopes', 'root'], env);
    assert.equal(badScope.code, 1);
    assert.match(badScope.stderr, /No tenant with id x|scopes must be/);
  });
});
