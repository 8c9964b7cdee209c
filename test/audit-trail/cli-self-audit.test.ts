// The CLI changes the store directly; it records its changes through the same audit trail, with
// the OS user at this host as actor.

import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { after, before, describe, it } from 'node:test';
import type { StoredEvent } from '../../src/domain/event.js';
import { sql } from '../../src/sql/fragments.js';
import { ENGINES, openTestStore, type TestStore } from '../../src/store/testing/test-stores.js';
import { runCliToEnd } from '../helpers/server-process.js';

const PASSWORD = 'cli-user-password-never-logged';
const NEW_PASSWORD = 'cli-user-password-changed-too';

for (const engine of ENGINES) {
  describe(`self-audit of CLI changes on ${engine.name}`, { skip: engine.skip }, () => {
    let db: TestStore;
    let env: Record<string, string>;
    const cli = async (...args: string[]) => {
      const result = await runCliToEnd(args, env);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout);
    };
    const logOf = (tenantId: string): Promise<StoredEvent[]> =>
      db.store.findEvents(tenantId, { where: sql('1 = 1'), order: { key: 'seq', direction: 'asc' }, limit: 1000 });

    before(async () => {
      db = await openTestStore(engine.name);
      env = db.location.sqliteFile
        ? { STELE_DATA_DIR: dirname(db.location.sqliteFile) }
        : { STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema! };
    });
    after(() => db.close());

    it('records tenants, keys and users the CLI creates, revokes or changes, as the OS user at this host, never with a secret', async () => {
      const tenant = await cli('tenants', 'create', 'Acme');
      const kept = await cli('keys', 'create', '--tenant', tenant.id, '--scopes', 'events:write,audit:read', '--name', 'ingest');
      const dropped = await cli('keys', 'create', '--tenant', tenant.id, '--scopes', 'audit:read', '--name', 'temporary');
      await cli('keys', 'revoke', '--tenant', tenant.id, dropped.id);
      await cli('users', 'create', '--tenant', tenant.id, '--email', 'Ada@Acme.test', '--password', PASSWORD, '--role', 'viewer');
      await cli('users', 'create', '--tenant', tenant.id, '--email', 'ada@acme.test', '--password', NEW_PASSWORD, '--role', 'super_admin', '--update');

      const log = await logOf(tenant.id);
      assert.deepEqual(log.map((e) => [e.action, e.target?.type, e.target?.id]), [
        ['tenant.created', 'tenant', tenant.id],
        ['api_key.created', 'api_key', kept.id],
        ['api_key.created', 'api_key', dropped.id],
        ['api_key.revoked', 'api_key', dropped.id],
        ['user.created', 'user', 'ada@acme.test'],
        ['user.updated', 'user', 'ada@acme.test'],
      ]);
      const user = userInfo().username;
      for (const event of log) {
        assert.deepEqual(event.actor, { id: `${user}@${hostname()}`, type: 'cli', name: user });
        assert.equal(event.context?.location, hostname());
        assert.match(event.context?.user_agent ?? '', /^stele-cli\/\d/);
        assert.ok(event.context?.request_id);
      }
      assert.deepEqual(log[1]!.details, { name: 'ingest', scopes: ['events:write', 'audit:read'] });
      assert.deepEqual(log[4]!.details, { role: 'viewer', tenant_id: tenant.id });
      assert.deepEqual(log[5]!.details, { changed: ['password', 'role'], role: 'super_admin', from_role: 'viewer', to_role: 'super_admin' });
      assert.notEqual(log[0]!.context?.request_id, log[1]!.context?.request_id, 'one request id per command');

      // The instance log has the tenant's creation (same command, same request id) and the new super admin.
      const system = await logOf('_system');
      assert.deepEqual(system.map((e) => e.action), ['tenant.created', 'user.updated']);
      assert.equal(system[0]!.context?.request_id, log[0]!.context?.request_id);

      const text = JSON.stringify([...log, ...system]);
      for (const secret of [kept.key, dropped.key, PASSWORD, NEW_PASSWORD]) assert.equal(text.includes(secret), false, 'a secret leaked into the log');
    });
  });
}
