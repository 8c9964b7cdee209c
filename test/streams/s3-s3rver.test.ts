// The S3 destination against s3rver (a real S3 protocol server from npm), read back with the AWS
// SDK: gzip NDJSON objects named by date and seq range, each with a manifest whose counts, seq
// range, SHA-256 and checkpoint match what is stored. Failures come from taking s3rver down, and
// from an HTTP proxy in front of it that answers 500, 503 + Retry-After, or slowly.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { waitFor } from './http-receiver.js';
import { startProxy } from './http-proxy.js';

const ENV = { STELE_STREAM_RETRY_MAX_SECONDS: '1', STELE_STREAM_FAILING_AFTER_SECONDS: '0', STELE_STREAM_TIMEOUT_SECONDS: '5', STELE_CHECKPOINT_EVERY_EVENTS: '100' };
const BUCKET = 'audit-staging';

describe('s3 stream to s3rver', () => {
  let app: TestApp;
  let dir: string;
  let s3rver: S3rver;
  let port: number;
  let reader: S3Client;

  const startS3rver = async (on = 0) => {
    s3rver = new S3rver({ address: '127.0.0.1', port: on, directory: dir, silent: true, configureBuckets: [{ name: BUCKET, configs: [] }] });
    port = (await s3rver.run()).port;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stele-s3rver-'));
    await startS3rver();
    reader = new S3Client({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    app = await startTestApp('sqlite', ENV);
  });
  after(async () => {
    await app?.close();
    reader?.destroy();
    await s3rver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function streamTo(endpointPort: number, prefix: string) {
    const { key } = await app.tenantWithKey(['events:write', 'audit:read', 'streams:manage']);
    const created = await app.request({
      method: 'POST', url: '/v1/streams', key,
      payload: {
        name: 'staging bucket', type: 's3', filter: { actions: ['file.*'] },
        config: { bucket: BUCKET, prefix, region: 'eu-west-1', endpoint: `http://127.0.0.1:${endpointPort}`, access_key_id: 'S3RVER', secret_access_key: 'S3RVER', force_path_style: true },
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().config.secret_access_key, '••••');
    const id = created.json().id as string;
    const sent: { id: string; seq: number }[] = [];
    return {
      sent,
      async send(count: number) {
        const response = await app.request({ method: 'POST', url: '/v1/events', key, payload: Array.from({ length: count }, (_, i) => ({ action: 'file.shared', details: { i } })) });
        assert.equal(response.statusCode, 201, response.body);
        sent.push(...(response.json().events as { id: string; seq: number }[]));
      },
      status: async () => (await app.request({ method: 'GET', url: `/v1/streams/${id}`, key })).json(),
    };
  }

  async function read(key: string): Promise<Buffer> {
    const object = await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  }
  async function keys(prefix: string): Promise<string[]> {
    const listed = await reader.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (listed.Contents ?? []).map((c) => c.Key!).sort();
  }
  /** Every event id in the prefix's objects, objects in key order (which is seq order). */
  async function storedEvents(prefix: string): Promise<{ id: string; seq: number }[]> {
    const out = [];
    for (const key of (await keys(prefix)).filter((k) => k.endsWith('.ndjson.gz'))) {
      out.push(...gunzipSync(await read(key)).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; seq: number }));
    }
    return out;
  }
  const uniqueIds = (events: { id: string }[]) => [...new Set(events.map((e) => e.id))];

  it('writes gzip NDJSON objects named by date and seq range, each with a manifest that checks out', async () => {
    const stream = await streamTo(port, 'stele/a/');
    await stream.send(700);
    await waitFor('the events in the bucket', async () => ((await stream.status()).lag.events === 0 && (await stream.status()).delivered === 700 ? true : undefined));
    const all = await keys('stele/a/');
    const objects = all.filter((k) => k.endsWith('.ndjson.gz'));
    assert.ok(objects.length >= 1);
    for (const key of objects) {
      assert.match(key, /^stele\/a\/\d{4}\/\d{2}\/\d{2}\/\d{12}-\d{12}-\d{6}Z\.ndjson\.gz$/);
      const stored = await read(key);
      const manifest = JSON.parse((await read(key.replace('.ndjson.gz', '.manifest.json'))).toString('utf8'));
      const lines = gunzipSync(stored).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const [, first, last] = /(\d{12})-(\d{12})-/.exec(key)!.map(Number);
      assert.equal(manifest.object, key);
      assert.equal(manifest.count, lines.length);
      assert.equal(manifest.first_seq, first);
      assert.equal(manifest.last_seq, last);
      assert.equal(lines[0].seq, first);
      assert.equal(lines.at(-1).seq, last);
      assert.equal(manifest.sha256, createHash('sha256').update(stored).digest('hex'));
      assert.equal(manifest.uncompressed_sha256, createHash('sha256').update(gunzipSync(stored)).digest('hex'));
      // A signed note (C2SP): origin, tree size, root, a blank line, signature lines.
      assert.equal(manifest.checkpoint.note.split('\n')[1], String(manifest.checkpoint.tree_size));
      assert.match(manifest.checkpoint.note, /\n\n— \S+ \S+\n$/);
      assert.ok(manifest.checkpoint.tree_size > 0 && manifest.checkpoint.note_key);
    }
    assert.deepEqual(uniqueIds(await storedEvents('stele/a/')), stream.sent.map((e) => e.id));
  });

  it('keeps everything while the store is down and catches up in order when it is back', async () => {
    const stream = await streamTo(port, 'stele/b/');
    await stream.send(20);
    await waitFor('first delivery', async () => ((await stream.status()).delivered === 20 ? true : undefined));
    await s3rver.close();
    await stream.send(80);
    await waitFor('failing', async () => ((await stream.status()).state === 'failing' ? true : undefined));
    await startS3rver(port);
    await waitFor('catch-up', async () => ((await stream.status()).state === 'active' && (await stream.status()).lag.events === 0 ? true : undefined));
    assert.deepEqual(uniqueIds(await storedEvents('stele/b/')), stream.sent.map((e) => e.id));
  });

  it('retries 500 and 503 + Retry-After answers, and waits for a slow store', async () => {
    const proxy = await startProxy(() => port, (i) => (i === 0 ? { status: 500 } : i === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { delayMs: 300 }));
    try {
      const stream = await streamTo(proxy.port, 'stele/c/');
      await stream.send(60);
      await waitFor('delivery through the proxy', async () => ((await stream.status()).lag.events === 0 && (await stream.status()).delivered === 60 ? true : undefined));
      assert.ok(proxy.count() >= 4);
      const view = await stream.status();
      assert.equal(view.last_error.status, 503);
      assert.deepEqual(uniqueIds(await storedEvents('stele/c/')), stream.sent.map((e) => e.id));
    } finally {
      await proxy.close();
    }
  });
});
