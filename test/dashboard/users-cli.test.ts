import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCliToEnd } from '../helpers/server-process.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createUserRepository } from '../../src/dashboard/user-repository.js';

describe('stele users create', () => {
  it('creates a dashboard user with a scrypt hash, and refuses a duplicate, an unknown tenant or a short password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stele-users-'));
    const env = { STELE_DATA_DIR: dir };
    const tenant = JSON.parse((await runCliToEnd(['tenants', 'create', 'Acme'], env)).stdout).id as string;
    const args = ['users', 'create', '--tenant', tenant, '--email', 'Ada@Example.com', '--password', 'long enough', '--role', 'org_admin'];
    const created = await runCliToEnd(args, env);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(JSON.parse(created.stdout), { email: 'ada@example.com', tenant_id: tenant, role: 'org_admin' });
    assert.notEqual((await runCliToEnd(args, env)).code, 0);
    assert.notEqual((await runCliToEnd(['users', 'create', '--tenant', 'nope', '--email', 'b@x.y', '--password', 'long enough'], env)).code, 0);
    const short = await runCliToEnd(['users', 'create', '--tenant', tenant, '--email', 'c@x.y', '--password', 'short'], env);
    assert.notEqual(short.code, 0);
    assert.match(short.stderr + short.stdout, /at least 8 characters/);

    const store = openSqliteStore({ file: join(dir, 'stele.db') });
    const user = await createUserRepository(store).find('ADA@example.com');
    await store.close();
    assert.equal(user?.password.algorithm, 'scrypt');
    assert.equal(user?.role, 'org_admin');
  });
});
