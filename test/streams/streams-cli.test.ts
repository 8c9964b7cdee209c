// `stele streams list|status` on the local store: what the API shows, secrets masked.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCliToEnd } from '../helpers/server-process.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { ADMIN_TOKEN } from '../helpers/test-app.js';

describe('stele streams', () => {
  let dir: string;
  let tenantId: string;
  let streamId: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stele-streams-cli-'));
    const store = openSqliteStore({ file: join(dir, 'stele.db') });
    await store.migrate();
    const { app } = await buildApp({ config: loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: dir }), store, signingKey: testSigningKey() });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    tenantId = (await app.inject({ method: 'POST', url: '/v1/tenants', headers: admin, payload: { name: 'acme' } })).json().id;
    const created = await app.inject({
      method: 'POST', url: `/v1/streams?tenant_id=${tenantId}`, headers: admin,
      payload: { name: 'Splunk', type: 'splunk_hec', config: { url: 'http://127.0.0.1:1', token: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' } },
    });
    assert.equal(created.statusCode, 201, created.body);
    streamId = created.json().id;
    await app.inject({ method: 'POST', url: `/v1/streams/${streamId}/pause?tenant_id=${tenantId}`, headers: admin });
    await app.close();
    await store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists a tenant\'s streams with state, cursor and lag', async () => {
    const { code, stdout, stderr } = await runCliToEnd(['streams', 'list', '--tenant', tenantId], { STELE_DATA_DIR: dir });
    assert.equal(code, 0, stderr);
    const [stream] = JSON.parse(stdout);
    assert.equal(stream.id, streamId);
    assert.equal(stream.state, 'paused');
    assert.equal(stream.type, 'splunk_hec');
    assert.equal(typeof stream.cursor, 'number');
    assert.ok(stream.lag.events >= 1, 'its own stream.paused event waits');
  });

  it('shows one stream in full, its token masked', async () => {
    const { code, stdout } = await runCliToEnd(['streams', 'status', '--tenant', tenantId, streamId], { STELE_DATA_DIR: dir });
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).config.token, '••••eeee');
    assert.equal(stdout.includes('aaaaaaaa-bbbb'), false);
  });

  it('says plainly when the stream or tenant does not exist', async () => {
    const missing = await runCliToEnd(['streams', 'status', '--tenant', tenantId, 'nope'], { STELE_DATA_DIR: dir });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No stream nope/);
    const noTenant = await runCliToEnd(['streams', 'list', '--tenant', 'nope'], { STELE_DATA_DIR: dir });
    assert.equal(noTenant.code, 1);
    assert.match(noTenant.stderr, /No tenant with id nope/);
  });
});
