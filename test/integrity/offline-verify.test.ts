// `stele verify` checks an exported file with nothing but the file, a checkpoint and the key.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliToEnd } from '../helpers/server-process.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe('stele verify (offline)', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'stele-offline-'));
  const file = (name: string) => join(dir, name);
  let lines: string[];

  before(async () => {
    t = await startTestApp('sqlite');
    const { key } = await t.tenantWithKey(['events:write', 'audit:read', 'audit:export']);
    const events = Array.from({ length: 30 }, (_, i) => ({ action: i % 2 ? 'login.failed' : 'login.succeeded', actor: { id: `u${i % 4}`, email: `u${i % 4}@example.com` }, details: { attempt: i, note: 'pipes | and = and \\ and "quotes" and ünïcødé' } }));
    await t.request({ method: 'POST', url: '/v1/events', key, payload: events.slice(0, 20) });
    const earlier = (await t.request({ method: 'POST', url: '/v1/integrity/checkpoints', key })).json();
    await t.request({ method: 'POST', url: '/v1/events', key, payload: events.slice(20) });
    const checkpoint = (await t.request({ method: 'POST', url: '/v1/integrity/checkpoints', key })).json();
    writeFileSync(file('cp.txt'), checkpoint.checkpoint);
    // STELE_CHECKPOINT_FILE as the server writes it: notes one after another, of several tenants.
    const other = await t.tenantWithKey(['events:write', 'audit:read']);
    await t.request({ method: 'POST', url: '/v1/events', key: other.key, payload: events });
    await t.request({ method: 'POST', url: '/v1/events', key: other.key, payload: events });
    const theirs = (await t.request({ method: 'POST', url: '/v1/integrity/checkpoints', key: other.key })).json();
    writeFileSync(file('checkpoints.txt'), [earlier, theirs, checkpoint].map((cp) => `${cp.checkpoint}\n`).join(''));
    writeFileSync(file('key.pem'), (await t.request({ method: 'GET', url: '/v1/integrity/public-key', key })).json().pem);
    const exported = await t.request({ method: 'GET', url: '/v1/events/export?format=ndjson', key });
    assert.equal(exported.statusCode, 200, exported.body);
    writeFileSync(file('export.ndjson'), exported.body);
    lines = exported.body.trim().split('\n');
    const json = await t.request({ method: 'GET', url: '/v1/events/export?format=json', key });
    writeFileSync(file('export.json'), json.body);
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const verify = (events: string, extra: string[] = ['--checkpoint', file('cp.txt'), '--public-key', file('key.pem')]) =>
    runCliToEnd(['verify', '--events', events, ...extra], {});

  it('accepts an untouched NDJSON export and says the root matches the signed checkpoint', async () => {
    const result = await verify(file('export.ndjson'));
    assert.equal(result.code, 0, result.stdout + result.stderr);
    // The whole log: the tenant's and its key's creation, then the 30 events sent.
    assert.match(result.stdout, /OK: 32 events verified \(seq 1\.\.32\)/);
    assert.match(result.stdout, /root at tree size 32 matches the signed checkpoint/);
  });

  it('takes the checkpoint file as the server writes it, using the newest checkpoint of the file\'s tenant', async () => {
    const result = await verify(file('export.ndjson'), ['--checkpoint', file('checkpoints.txt'), '--public-key', file('key.pem')]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /root at tree size 32 matches the signed checkpoint/);
  });

  it('accepts a JSON array export too', async () => {
    assert.equal((await verify(file('export.json'))).code, 0);
  });

  it('names the first changed event', async () => {
    const tampered = [...lines];
    const event = JSON.parse(tampered[16]!);
    event.actor.email = 'attacker@example.com';
    tampered[16] = JSON.stringify(event);
    writeFileSync(file('tampered.ndjson'), `${tampered.join('\n')}\n`);
    const result = await verify(file('tampered.ndjson'));
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`FAILED: seq 17 \\(id ${event.id}\\): content_changed`));
  });

  it('catches a file cut short before the checkpoint\'s size', async () => {
    writeFileSync(file('short.ndjson'), `${lines.slice(0, 25).join('\n')}\n`);
    const result = await verify(file('short.ndjson'));
    assert.equal(result.code, 1);
    assert.match(result.stdout, /FAILED: seq 26: event_missing/);
  });

  it('catches a removed event in the middle', async () => {
    writeFileSync(file('gap.ndjson'), `${[...lines.slice(0, 9), ...lines.slice(10)].join('\n')}\n`);
    const result = await verify(file('gap.ndjson'));
    assert.equal(result.code, 1);
    assert.match(result.stdout, /FAILED: seq 10.*event_missing/);
  });

  it('refuses a checkpoint signed by another key', async () => {
    const otherKey = readFileSync(file('key.pem'), 'utf8');
    const { generateKeyPairSync } = await import('node:crypto');
    writeFileSync(file('other.pem'), generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    assert.notEqual(otherKey, readFileSync(file('other.pem'), 'utf8'));
    const result = await verify(file('export.ndjson'), ['--checkpoint', file('cp.txt'), '--public-key', file('other.pem')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr + result.stdout, /signed by another key/);
  });
});
