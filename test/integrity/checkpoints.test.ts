import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openCheckpoint, parseNote, verifyConsistency, verifyInclusion } from '@stele/integrity';
import type { Store } from '../../src/store/port.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const fromHex = (hex: string) => Buffer.from(hex, 'hex');

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const engine of ENGINES) {
  describe(`checkpoints and proofs on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    let key: string;
    let noteKey: string;
    /** A tenant's log starts with its creation and its first key's. */
    let base: number;
    let receiver: Server;
    const received: { tenant_id: string; tree_size: number; checkpoint: string }[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'stele-cp-'));
    const get = async (url: string) => {
      const response = await t.request({ method: 'GET', url, key });
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    };
    /** Runs once, right after the next read of the tenant's log head returns from the store and before its caller sees it. */
    let afterNextHeadRead: { tenantId: string; run: () => Promise<void> } | undefined;
    const wrapStore = (store: Store): Store => new Proxy(store, {
      get(target, name, receiver) {
        if (name !== 'getHead') return Reflect.get(target, name, receiver);
        const getHead: Store['getHead'] = async (tenantId) => {
          const head = await target.getHead(tenantId);
          const hook = afterNextHeadRead;
          if (hook?.tenantId === tenantId) {
            afterNextHeadRead = undefined;
            await hook.run();
          }
          return head;
        };
        return getHead;
      },
    });
    const send = (count: number) => t.request({ method: 'POST', url: '/v1/events', key, payload: Array.from({ length: count }, (_, i) => ({ action: 'file.read', details: { i } })) });

    before(async () => {
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (d) => (body += d));
        request.on('end', () => {
          received.push(JSON.parse(body));
          response.end('ok');
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const port = (receiver.address() as { port: number }).port;
      t = await startTestApp(engine.name, {
        STELE_CHECKPOINT_EVERY_EVENTS: '10',
        STELE_CHECKPOINT_FILE: join(dir, 'checkpoints.txt'),
        STELE_CHECKPOINT_WEBHOOK_URL: `http://127.0.0.1:${port}/checkpoints`,
      }, undefined, undefined, { wrapStore });
      const tenant = await t.tenantWithKey(['events:write', 'audit:read']);
      key = tenant.key;
      base = (await t.db.store.getHead(tenant.tenantId)).size;
      noteKey = (await get('/v1/integrity/public-key')).note_key;
    });
    after(async () => {
      await t.close();
      receiver.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('publishes the public key as PEM and as a signed-note verifier key', async () => {
      const body = await get('/v1/integrity/public-key');
      assert.match(body.pem, /^-----BEGIN PUBLIC KEY-----/);
      assert.match(body.note_key, /^stele-test\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    });

    it('makes a checkpoint once ten events have accumulated, and copies it outside the database', async () => {
      await send(4);
      await send(7);
      const latest = await until(async () => {
        const r = await t.request({ method: 'GET', url: '/v1/integrity/checkpoints/latest', key });
        return r.statusCode === 200 ? (r.json() as { tree_size: number; root_hash: string; checkpoint: string }) : undefined;
      }, 'the first checkpoint');
      assert.equal(latest.tree_size, base + 11);
      const checkpoint = openCheckpoint(latest.checkpoint, noteKey);
      assert.equal(checkpoint.size, base + 11);
      assert.equal(Buffer.from(checkpoint.rootHash).toString('hex'), latest.root_hash);
      await until(async () => (received.length > 0 ? true : undefined), 'the webhook');
      assert.equal(received[0]!.tree_size, base + 11);
      assert.equal(received[0]!.checkpoint, latest.checkpoint);
      // The file and the webhook are written side by side: the file may come second.
      const file = join(dir, 'checkpoints.txt');
      await until(async () => (existsSync(file) && readFileSync(file, 'utf8').includes(latest.checkpoint) ? true : undefined), 'the checkpoint file');
    });

    it('makes one on demand and finds it by tree size', async () => {
      await send(3);
      const made = await t.request({ method: 'POST', url: '/v1/integrity/checkpoints', key });
      assert.equal(made.statusCode, 201);
      assert.equal(made.json().tree_size, base + 14);
      assert.deepEqual(await get(`/v1/integrity/checkpoints?tree_size=${base + 14}`), made.json());
      assert.equal((await t.request({ method: 'GET', url: `/v1/integrity/checkpoints?tree_size=${base + 13}`, key })).statusCode, 404);
      assert.equal((await t.request({ method: 'GET', url: '/v1/integrity/checkpoints?tree_size=abc', key })).statusCode, 400);
    });

    it('signs checkpoints so that OpenSSL verifies them over the note body', async () => {
      const { checkpoint } = await get('/v1/integrity/checkpoints/latest');
      const { pem } = await get('/v1/integrity/public-key');
      const note = parseNote(checkpoint);
      const signature = Buffer.from(note.signatures[0]!.signature).subarray(-64);
      writeFileSync(join(dir, 'pub.pem'), pem);
      writeFileSync(join(dir, 'body'), note.body);
      writeFileSync(join(dir, 'sig'), signature);
      const ok = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin', '-in', join(dir, 'body'), '-sigfile', join(dir, 'sig')]).toString();
      assert.match(ok, /Signature Verified Successfully/);
    });

    it('proves an event is included in a signed tree', async () => {
      const { events } = await get('/v1/events?sort=seq&order=asc&limit=5');
      const event = events[4];
      const body = await get(`/v1/events/${event.id}/proof`);
      assert.equal(body.leaf_index, 4);
      const checkpoint = openCheckpoint(body.checkpoint, noteKey);
      assert.equal(checkpoint.size, body.tree_size);
      verifyInclusion(fromHex(body.leaf_hash), body.leaf_index, body.tree_size, body.proof.map(fromHex), checkpoint.rootHash);
      const atEleven = await get(`/v1/events/${event.id}/proof?tree_size=${base + 11}`);
      verifyInclusion(fromHex(atEleven.leaf_hash), 4, base + 11, atEleven.proof.map(fromHex), openCheckpoint(atEleven.checkpoint, noteKey).rootHash);
      assert.equal((await t.request({ method: 'GET', url: `/v1/events/${event.id}/proof?tree_size=3`, key })).statusCode, 400);
    });

    it('proves that an older signed tree is a prefix of a newer one', async () => {
      const body = await get(`/v1/integrity/consistency?from=${base + 11}&to=${base + 14}`);
      const old = openCheckpoint(body.from_checkpoint, noteKey);
      const current = openCheckpoint(body.to_checkpoint, noteKey);
      verifyConsistency(base + 11, base + 14, body.proof.map(fromHex), old.rootHash, current.rootHash);
      assert.equal((await t.request({ method: 'GET', url: `/v1/integrity/consistency?from=${base + 14}&to=${base + 11}`, key })).statusCode, 400);
      assert.equal((await t.request({ method: 'GET', url: '/v1/integrity/consistency?from=1&to=9999', key })).statusCode, 400);
    });

    it('verifies the whole log, a seq range and a time range', async () => {
      const verify = async (payload: object) => (await t.request({ method: 'POST', url: '/v1/integrity/verify', key, payload })).json();
      const all = await verify({});
      // The events sent, and the data.accessed of the event list read above.
      assert.deepEqual([all.ok, all.checked, all.failures], [true, base + 14 + 1, []]);
      assert.ok(all.checkpoints_checked >= 2);
      const range = await verify({ from_seq: 5, to_seq: 12 });
      // The walk goes on to the first signed checkpoint after the range, and counts those events too.
      assert.deepEqual([range.ok, range.from_seq, range.to_seq], [true, 5, 12]);
      assert.ok(range.through_seq >= 12, `through ${range.through_seq}`);
      assert.equal(range.checked, range.through_seq - 5 + 1);
      const recent = await verify({ since: 'now-1h' });
      assert.equal(recent.ok, true);
      assert.equal((await t.request({ method: 'POST', url: '/v1/integrity/verify', key, payload: { from_seq: 0 } })).statusCode, 400);
    });

    it('does not take a commit and checkpoint made while it reads for a truncation', async () => {
      const other = await t.tenantWithKey(['events:write', 'audit:read'], 'racing');
      // Another process commits and signs a checkpoint just after verification read the head.
      afterNextHeadRead = { tenantId: other.tenantId, run: async () => {
        const sent = await t.request({ method: 'POST', url: '/v1/events', key: other.key, payload: [{ action: 'file.read' }, { action: 'file.read' }] });
        assert.equal(sent.statusCode, 201);
        assert.equal((await t.request({ method: 'POST', url: '/v1/integrity/checkpoints', key: other.key })).statusCode, 201);
      } };
      const verified = await t.request({ method: 'POST', url: '/v1/integrity/verify', key: other.key, payload: {} });
      assert.equal(afterNextHeadRead, undefined, 'the commit ran between the reads');
      assert.deepEqual([verified.json().ok, verified.json().failures], [true, []]);
      const alarms = await t.request({ method: 'GET', url: '/v1/events?q=action:integrity.alarm', key: other.key });
      assert.deepEqual(alarms.json().events, []);
    });

    it('makes a checkpoint every ten events when single events commit one group after another, not one per commit', async () => {
      const other = await t.tenantWithKey(['events:write'], 'singles');
      const start = (await t.db.store.getHead(other.tenantId)).size;
      let next = 0;
      // 120 single-event requests, 8 at a time: many small commits, each past the threshold while
      // a checkpoint is being made.
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < 120) {
          next += 1;
          const response = await t.request({ method: 'POST', url: '/v1/events', key: other.key, payload: { action: 'file.read' } });
          assert.equal(response.statusCode, 201);
        }
      }));
      const end = start + 120;
      await until(async () => (received.some((r) => r.tenant_id === other.tenantId && r.tree_size > end - 10) ? true : undefined), 'the last checkpoint');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const sizes = received.filter((r) => r.tenant_id === other.tenantId).map((r) => r.tree_size).sort((a, b) => a - b);
      assert.ok(sizes.length <= 13, `${sizes.length} checkpoints for 120 events: ${sizes.join(', ')}`);
      for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! - sizes[i - 1]! >= 10, `checkpoints ${sizes[i - 1]} and ${sizes[i]} are fewer than ten events apart`);
    });
  });
}
