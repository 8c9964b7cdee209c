// `stele alerts` as a subprocess: a Sigma rule checked offline (and refused with exit 1 naming the
// construct), imported on a real server, the alert it fires listed and acknowledged; without a
// server the server-only commands are a usage error (exit 2).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import { buildApp, type SteleApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/port.js';
import { runCliToEnd } from '../helpers/server-process.js';
import { testSigningKey } from '../helpers/signing-key.js';
import { ADMIN_TOKEN } from '../helpers/test-app.js';

const RULE = `title: Export by a contractor
level: high
logsource: {product: stele}
detection:
  sel:
    action: data.exported
    actor.email|endswith: '@contractor.example'
  condition: sel
`;

describe('stele alerts', () => {
  let dir: string;
  let store: Store;
  let built: SteleApp;
  let url: string;
  let key: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stele-alerts-cli-'));
    store = openSqliteStore({ file: join(dir, 'stele.db') });
    await store.migrate();
    built = await buildApp({ config: loadConfig({ STELE_ADMIN_TOKEN: ADMIN_TOKEN, STELE_DATA_DIR: dir }), store, signingKey: testSigningKey() });
    await built.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const tenantId = (await built.app.inject({ method: 'POST', url: '/v1/tenants', headers: admin, payload: { name: 'acme' } })).json().id;
    key = (await built.app.inject({ method: 'POST', url: `/v1/tenants/${tenantId}/keys`, headers: admin, payload: { name: 'cli', scopes: ['events:write', 'alerts:manage'] } })).json().key;
    writeFileSync(join(dir, 'rule.yml'), RULE);
    writeFileSync(join(dir, 'regex.yml'), RULE.replace("actor.email|endswith: '@contractor.example'", "actor.email|re: '\\bcontractor'"));
  });
  after(async () => {
    await built.app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks a Sigma rule offline: prints the rule it compiles to, or refuses naming the construct', async () => {
    const ok = await runCliToEnd(['alerts', 'sigma', join(dir, 'rule.yml')], { STELE_DATA_DIR: dir });
    assert.equal(ok.code, 0, ok.stderr);
    const rule = JSON.parse(ok.stdout);
    assert.equal(rule.name, 'Export by a contractor');
    assert.equal(rule.query, '(action:data.exported AND actor.email:*@contractor.example)');
    const refused = await runCliToEnd(['alerts', 'sigma', join(dir, 'regex.yml')], { STELE_DATA_DIR: dir });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\|re: the regular expression .*\\b is not supported/);
  });

  it('imports it on a server, then lists and acknowledges the alert it fires', async () => {
    const env = { STELE_DATA_DIR: dir, STELE_URL: url, STELE_API_KEY: key };
    const imported = await runCliToEnd(['alerts', 'sigma', join(dir, 'rule.yml')], env);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(JSON.parse(imported.stdout).source.sigma.title, 'Export by a contractor');
    await built.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${key}` }, payload: [{ action: 'data.exported', actor: { id: 'c', email: 'eve@contractor.example' } }] });
    await built.alertsIdle();
    const listed = await runCliToEnd(['alerts', 'list', '--state', 'open'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const { alerts, counts } = JSON.parse(listed.stdout);
    assert.equal(counts.open, 1);
    const acked = await runCliToEnd(['alerts', 'ack', alerts[0].id], env);
    assert.equal(acked.code, 0, acked.stderr);
    assert.equal(JSON.parse(acked.stdout).state, 'acknowledged');
    const missing = await runCliToEnd(['alerts', 'resolve', 'alr_nope'], env);
    assert.equal(missing.code, 1);
  });

  it('is a usage error (exit 2) to list alerts without a server', async () => {
    const { code, stderr } = await runCliToEnd(['alerts', 'list'], { STELE_DATA_DIR: dir, STELE_URL: '', STELE_API_KEY: '' });
    assert.equal(code, 2);
    assert.match(stderr, /--url/);
  });
});
