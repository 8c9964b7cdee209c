// Evidence files whose events are deleted or erased after the export pinned its log size: the record
// that explains such a tombstone lies beyond the pinned size, so the file is pinned to a newer
// checkpoint that covers it. The export still finishes, holds the events up to its pinned size (and
// the record), and `stele verify` accepts it with the tombstone explained. It once failed with
// "index 14 out of bounds for tree size 12", and a bulk job stayed failed.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Store } from '../../src/store/port.js';
import { ENGINES } from '../../src/store/testing/test-stores.js';
import { verifyExportFile } from '../../src/verification/export-verifier.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { eventually } from './export-test-bed.js';

type Line = Record<string, unknown> & { seq: number; id: string; action: string };

for (const engine of ENGINES) {
  describe(`evidence files of events forgotten after the pin on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestApp;
    const dir = mkdtempSync(join(tmpdir(), 'stele-evidence-forgotten-'));
    /** Runs once, before the next countEvents of this tenant reaches the store: after the export pinned, before it reads. */
    let beforeNextCount: { tenantId: string; run: () => Promise<void> } | undefined;
    const wrapStore = (store: Store): Store => new Proxy(store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function' || name !== 'countEvents') return value;
        return async (tenantId: string, ...args: unknown[]) => {
          const hook = beforeNextCount;
          if (hook?.tenantId === tenantId) {
            beforeNextCount = undefined;
            await hook.run();
          }
          return (value as (...a: unknown[]) => unknown).call(target, tenantId, ...args);
        };
      },
    });

    before(async () => { t = await startTestApp(engine.name, { STELE_DATA_DIR: join(dir, 'data') }, undefined, undefined, { wrapStore }); });
    after(async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const tenantWithDocs = async () => {
      const { key, tenantId } = await t.tenantWithKey(['events:write', 'audit:read', 'audit:write', 'audit:export']);
      const sent = await t.request({ method: 'POST', url: '/v1/events', key, payload: Array.from({ length: 10 }, (_, i) => ({ id: `doc-${i}`, action: 'file.read', actor: { id: `u${i % 2}` }, details: { i } })) });
      assert.equal(sent.statusCode, 201, sent.body);
      return { key, tenantId };
    };
    const verify = async (name: string, text: string, key: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      const publicKeyPem = (await t.request({ method: 'GET', url: '/v1/integrity/public-key', key })).json().pem as string;
      return verifyExportFile({ eventsFile: file, publicKeyPem });
    };
    const eventsOf = (ndjson: string): Line[] => ndjson.trim().split('\n').map((l) => JSON.parse(l) as Line).filter((l) => typeof l.seq === 'number');

    it('finishes a bulk evidence export when one of its events is deleted between pinning and the run, and the file verifies', async () => {
      const { key, tenantId } = await tenantWithDocs();
      let deleted = false;
      beforeNextCount = { tenantId, run: async () => {
        const response = await t.request({ method: 'DELETE', url: '/v1/events/doc-3', key, payload: { reason: 'a data subject asked' } });
        assert.equal(response.statusCode, 204, response.body);
        deleted = true;
      } };
      const created = await t.request({ method: 'POST', url: '/v1/exports', key, payload: { format: 'ndjson' } });
      assert.equal(created.statusCode, 202, created.body);
      const job = await eventually(async () => {
        const view = (await t.request({ method: 'GET', url: `/v1/exports/${created.json().id}`, key })).json();
        return view.status === 'done' || view.status === 'failed' ? view : undefined;
      }, 30_000);
      assert.ok(deleted, 'the deletion landed after the job was pinned');
      assert.equal(job.status, 'done', job.error);

      const manifest = (await t.request({ method: 'GET', url: `/v1/exports/${job.id}/manifest`, key })).json();
      const download = await t.request({ method: 'GET', url: job.download_url.replace(/^https?:\/\/[^/]+/, '') });
      const text = gunzipSync(download.rawPayload).toString('utf8');
      const events = eventsOf(text);
      const record = events.find((e) => e.action === 'audit.deleted')!;
      // The events up to the pinned size, doc-3 as a tombstone, and the record that explains it, beyond that size.
      assert.deepEqual(events.filter((e) => e.seq <= manifest.log_size).map((e) => e.id).slice(-10), Array.from({ length: 10 }, (_, i) => `doc-${i}`));
      assert.deepEqual(events.find((e) => e.id === 'doc-3')!.forgotten, { kind: 'deleted', by_seq: record.seq });
      assert.ok(record.seq > manifest.log_size);
      assert.ok(manifest.checkpoint.tree_size >= record.seq, 'pinned to a checkpoint that covers the record');

      const verified = await verify('bulk.ndjson', text, key);
      assert.deepEqual([verified.ok, verified.failures], [true, []]);
      assert.deepEqual(verified.forgotten.map((f) => [f.kind, f.from_seq, f.by_seq]), [['deleted', events.find((e) => e.id === 'doc-3')!.seq, record.seq]]);
    });

    it('serves a download with proofs=true whose events are erased after it pinned, and the file verifies', async () => {
      const { key, tenantId } = await tenantWithDocs();
      let erased = false;
      beforeNextCount = { tenantId, run: async () => {
        const response = await t.request({ method: 'POST', url: '/v1/erasures', key, payload: { actor_id: 'u1', reason: 'right to erasure' } });
        assert.ok(response.statusCode < 300, response.body);
        erased = true;
      } };
      const exported = await t.request({ method: 'GET', url: '/v1/events/export?format=ndjson&proofs=true', key });
      assert.ok(erased, 'the erasure landed after the download was pinned');
      assert.equal(exported.statusCode, 200, exported.body);
      const events = eventsOf(exported.body);
      // The events picked when it pinned (the five of u1 now tombstones), and the record of their erasure.
      assert.deepEqual(events.filter((e) => e.id.startsWith('doc-')).map((e) => [e.id, e.forgotten ? 'erased' : 'kept']),
        Array.from({ length: 10 }, (_, i) => [`doc-${i}`, i % 2 === 1 ? 'erased' : 'kept']));
      const pinned = events.find((e) => e.id === 'doc-9')!.seq;
      assert.deepEqual(events.filter((e) => e.seq > pinned).map((e) => e.action), ['audit.erased']);

      const verified = await verify('download.ndjson', exported.body, key);
      assert.deepEqual([verified.ok, verified.failures], [true, []]);
      assert.deepEqual(verified.forgotten.map((f) => f.kind), ['erased', 'erased', 'erased', 'erased', 'erased']);
    });
  });
}
