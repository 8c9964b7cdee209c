// Streams across real server processes: Stele killed (SIGKILL) while every destination has a
// batch in flight, then restarted, re-sends at most those batches and loses nothing; and with two
// processes on one database, each stream is delivered by one of them, and the survivor takes the
// streams of one that dies.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { gunzipSync } from 'node:zlib';
import { ENGINES, openTestStore, type TestStore } from '../../src/store/testing/test-stores.js';
import { callServer, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startHttpReceiver, waitFor, type HttpReceiver, type ReceivedRequest } from './http-receiver.js';
import { startProxy } from './http-proxy.js';
import { RSYSLOG_AVAILABLE, startRsyslog, type Rsyslog } from './rsyslog.js';
import { datadogReceiver, elasticReceiver, sentinelReceiver, splunkReceiver, sumoReceiver, webhookReceiver, type Carried, type VendorReceiver } from './vendor-receivers.js';

const ADMIN = 'stele_admin_streams_process_test';
const STREAM_ENV = { STELE_ADMIN_TOKEN: ADMIN, STELE_STREAM_LEASE_SECONDS: '2', STELE_STREAM_RETRY_MAX_SECONDS: '1', STELE_STREAM_TIMEOUT_SECONDS: '20' };


async function tenantKey(server: ServerProcess): Promise<string> {
  const tenant = await callServer(server, 'POST', '/v1/tenants', ADMIN, { name: 'acme' });
  return (await callServer(server, 'POST', `/v1/tenants/${tenant.id}/keys`, ADMIN, { name: 'k', scopes: ['events:write', 'audit:read', 'streams:manage'] })).key;
}

async function ingest(server: ServerProcess, key: string, count: number): Promise<Carried[]> {
  const out: Carried[] = [];
  for (let i = 0; i < count; i += 500) {
    const body = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({ action: 'doc.viewed', details: { n: i + j } }));
    out.push(...((await callServer(server, 'POST', '/v1/events', key, body)).events as Carried[]).map(({ id, seq }) => ({ id, seq })));
  }
  return out;
}

/** First arrivals in order, and how often each id arrived. */
function arrivalsOf(events: Carried[]): { firsts: string[]; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const firsts: string[] = [];
  for (const e of events) {
    if (!counts.has(e.id)) firsts.push(e.id);
    counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  }
  return { firsts, counts };
}

describe('a Stele process killed with batches in flight, then restarted', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let rsyslog: Rsyslog | undefined;
  let s3rverDir: string;
  let s3rver: S3rver;
  let s3Port: number;
  // Closed in after() whatever happens: an S3 client's or the proxy's open sockets would keep
  // s3rver.close() waiting, and a failed test would hang the file until its timeout.
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  let reader: S3Client | undefined;
  const receivers: { vendor: VendorReceiver; receiver: HttpReceiver }[] = [];
  let holding = true;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'stele-kill-'));
    s3rverDir = mkdtempSync(join(tmpdir(), 'stele-kill-s3-'));
    s3rver = new S3rver({ address: '127.0.0.1', port: 0, directory: s3rverDir, silent: true, configureBuckets: [{ name: 'staging', configs: [] }] });
    s3Port = (await s3rver.run()).port;
    if (RSYSLOG_AVAILABLE) rsyslog = await startRsyslog();
  });
  after(async () => {
    await server?.stop('SIGKILL');
    for (const { receiver } of receivers) await receiver.close();
    await rsyslog?.close();
    reader?.destroy();
    await proxy?.close();
    await s3rver.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(s3rverDir, { recursive: true, force: true });
  });

  it('re-sends at most the batch each destination had in flight, in order, nothing lost', async () => {
    server = await startServerProcess({ ...STREAM_ENV, STELE_DATA_DIR: dataDir });
    const key = await tenantKey(server);
    // Every HTTP receiver holds its first delivery for far longer than it takes to kill Stele.
    const held = new Map<VendorReceiver, ReceivedRequest>();
    for (const vendor of [webhookReceiver, splunkReceiver, datadogReceiver, elasticReceiver(), sumoReceiver, sentinelReceiver()]) {
      const receiver = await startHttpReceiver(() => [], (request) => {
        const reply = vendor.ok(request);
        if (!holding || vendor.carried(request).length === 0) return reply;
        if (!held.has(vendor)) held.set(vendor, request);
        return { ...reply, delayMs: 30_000 };
      });
      receivers.push({ vendor, receiver });
      await callServer(server, 'POST', '/v1/streams', key, { name: vendor.type, type: vendor.type, config: vendor.config(receiver.url), filter: { actions: ['doc.viewed'] } });
    }
    const s3Proxy = await startProxy(() => s3Port, () => (holding ? { delayMs: 3000 } : undefined));
    proxy = s3Proxy;
    await callServer(server, 'POST', '/v1/streams', key, {
      name: 's3', type: 's3', filter: { actions: ['doc.viewed'] },
      config: { bucket: 'staging', region: 'us-east-1', endpoint: `http://127.0.0.1:${s3Proxy.port}`, access_key_id: 'S3RVER', secret_access_key: 'S3RVER', force_path_style: true },
    });
    if (rsyslog) await callServer(server, 'POST', '/v1/streams', key, { name: 'syslog', type: 'syslog', config: { host: '127.0.0.1', port: rsyslog.port }, filter: { actions: ['doc.viewed'] } });

    const sent = await ingest(server, key, 2500);
    await waitFor('a batch in flight at every HTTP receiver and the S3 proxy', () => (held.size === receivers.length && s3Proxy.count() > 0 ? true : undefined));
    await server.stop('SIGKILL');
    holding = false;
    server = await startServerProcess({ ...STREAM_ENV, STELE_DATA_DIR: dataDir });

    const expected = sent.map((e) => e.id);
    for (const { vendor, receiver } of receivers) {
      const delivered = () => receiver.requests.flatMap((r) => vendor.carried(r));
      await waitFor(`every event at ${vendor.type}`, () => (arrivalsOf(delivered()).firsts.length >= expected.length ? true : undefined), 60_000);
      const { firsts, counts } = arrivalsOf(delivered());
      assert.deepEqual(firsts, expected, `${vendor.type}: all events, first arrivals in seq order`);
      const inFlight = new Set(vendor.carried(held.get(vendor)!).map((e) => e.id));
      const repeated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      assert.ok(repeated.length > 0, `${vendor.type}: the batch in flight was sent again`);
      assert.ok(repeated.every((id) => inFlight.has(id) && counts.get(id) === 2), `${vendor.type}: only the batch in flight came twice`);
    }

    const s3 = new S3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${s3Port}`, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    reader = s3;
    const s3Events = async () => {
      const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: 'staging' }))).Contents ?? []).map((c) => c.Key!).filter((k) => k.endsWith('.ndjson.gz')).sort();
      const out: Carried[] = [];
      for (const k of keys) {
        const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'staging', Key: k }))).Body!.transformToByteArray());
        out.push(...gunzipSync(body).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Carried));
      }
      return out;
    };
    // While waiting, an object may be read as s3rver is still writing it (the batch the killed
    // process had in flight is re-sent under the same name): such a read counts as not yet.
    // The check after the wait reads every object whole.
    const s3EventsSoFar = () => s3Events().catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'Z_BUF_ERROR' || error instanceof SyntaxError) return [];
      throw error;
    });
    await waitFor('every event in S3', async () => (arrivalsOf(await s3EventsSoFar()).firsts.length >= expected.length ? true : undefined), 60_000);
    assert.deepEqual(arrivalsOf(await s3Events()).firsts, expected);

    if (rsyslog) {
      const ids = () => rsyslog!.parsed().map((m) => ({ id: JSON.parse(m.sd_json)['stele@32473'].id as string, seq: 0 }));
      await waitFor('every event in rsyslog', () => (arrivalsOf(ids()).firsts.length >= expected.length ? true : undefined), 60_000);
      const { firsts, counts } = arrivalsOf(ids());
      assert.deepEqual(firsts, expected);
      assert.ok([...counts.values()].filter((n) => n > 1).length <= 1000, 'at most one batch sent twice');
    }
  });
});

for (const engine of ENGINES) {
  describe(`two Stele processes on one ${engine.name} database`, { skip: engine.skip }, () => {
    let db: TestStore | undefined;
    let dataDir: string;
    const servers: ServerProcess[] = [];
    const receivers: HttpReceiver[] = [];
    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'stele-nodes-'));
      if (engine.name === 'postgres') db = await openTestStore('postgres');
    });
    after(async () => {
      for (const server of servers) await server.stop('SIGKILL');
      for (const r of receivers) await r.close();
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('delivers each stream from one process at a time, and the survivor takes over the streams of one killed', async () => {
      const env = {
        ...STREAM_ENV, STELE_DATA_DIR: dataDir,
        ...(db && { STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema! }),
      };
      const first = await startServerProcess(env);
      servers.push(first);
      const second = await startServerProcess(env);
      servers.push(second);
      const key = await tenantKey(first);
      const streams: { receiver: HttpReceiver; id: string }[] = [];
      for (let i = 0; i < 3; i++) {
        const receiver = await startHttpReceiver(() => [], () => ({ status: 200 }));
        receivers.push(receiver);
        // Created on the first process, whose worker is woken at once and takes the lease.
        const stream = await callServer(first, 'POST', '/v1/streams', key, { name: `s${i}`, type: 'webhook', config: { url: receiver.url }, filter: { actions: ['doc.viewed'] } });
        streams.push({ receiver, id: stream.id });
      }
      const carried = (receiver: HttpReceiver) => receiver.requests.flatMap((r) => webhookReceiver.carried(r));
      // Written through the second process: the first sees them by polling the database.
      const before = await ingest(second, key, 600);
      for (const { receiver, id } of streams) {
        await waitFor('delivery', () => (carried(receiver).length >= before.length ? true : undefined), 30_000);
        // Killed once the cursor is saved, so nothing is in flight: then nothing may come twice.
        await waitFor('the cursor saved', async () => ((await callServer(second, 'GET', `/v1/streams/${id}`, key)).lag.events === 0 ? true : undefined));
      }
      await first.stop('SIGKILL');
      const later = await ingest(second, key, 600);
      const expected = [...before, ...later].map((e) => e.id);
      for (const { receiver, id } of streams) {
        await waitFor('the survivor to deliver', () => (carried(receiver).length >= expected.length ? true : undefined), 30_000);
        const ids = carried(receiver).map((e) => e.id);
        assert.deepEqual(ids, expected, 'every event once, in order: never two processes delivering one stream');
        // The receiver has the events before the survivor has read its answer and saved the cursor.
        await waitFor('the survivor to save the cursor', async () => ((await callServer(second, 'GET', `/v1/streams/${id}`, key)).lag.events === 0 ? true : undefined));
      }
    });
  });
}

for (const engine of ENGINES) {
  describe(`a Stele process on ${engine.name} delivering its streams from a thread of their own`, { skip: engine.skip }, () => {
    let db: TestStore | undefined;
    let dataDir: string;
    let server: ServerProcess | undefined;
    let receiver: HttpReceiver | undefined;
    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'stele-thread-'));
      if (engine.name === 'postgres') db = await openTestStore('postgres');
    });
    after(async () => {
      await server?.stop('SIGKILL');
      await receiver?.close();
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('sends at once, and records stream.failing and stream.recovered in the log through the serving thread', async () => {
      server = await startServerProcess({
        ...STREAM_ENV, STELE_DATA_DIR: dataDir, STELE_STREAM_FAILING_AFTER_SECONDS: '1',
        ...(db && { STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema! }),
      });
      assert.match(server.output(), /stream delivery: a thread of its own/);
      const key = await tenantKey(server);
      let down = true;
      receiver = await startHttpReceiver(() => [], () => (down ? { status: 503, body: 'maintenance' } : { status: 200 }));
      const stream = await callServer(server, 'POST', '/v1/streams', key, { name: 'siem', type: 'webhook', config: { url: receiver.url }, filter: { actions: ['doc.viewed'] } });
      const sent = await ingest(server, key, 300);
      const state = async () => (await callServer(server!, 'GET', `/v1/streams/${stream.id}`, key)).state as string;
      await waitFor('the stream to be failing', async () => ((await state()) === 'failing' ? true : undefined));
      const logged = async (action: string) => (await callServer(server!, 'GET', `/v1/events?action=${action}`, key)).events as { target: { id: string } }[];
      // The state and the event are two writes the thread asks of the serving thread: the event may come a moment later.
      await waitFor('stream.failing in the log', async () => ((await logged('stream.failing')).length > 0 ? true : undefined));
      assert.deepEqual((await logged('stream.failing')).map((e) => e.target.id), [stream.id]);

      down = false;
      await waitFor('the stream to recover', async () => ((await state()) === 'active' ? true : undefined));
      await waitFor('stream.recovered in the log', async () => ((await logged('stream.recovered')).length === 1 ? true : undefined));
      const carried = () => receiver!.requests.flatMap((r) => webhookReceiver.carried(r)).map((e) => e.id);
      await waitFor('every event', () => (new Set(carried()).size >= sent.length ? true : undefined));
      assert.deepEqual([...new Set(carried())], sent.map((e) => e.id), 'in order, nothing lost');

      // Paused through the API (a message to the thread), nothing more goes out; resumed, it does.
      await callServer(server, 'POST', `/v1/streams/${stream.id}/pause`, key);
      const requestsWhenPaused = receiver.requests.length;
      const more = await ingest(server, key, 50);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(receiver.requests.length, requestsWhenPaused, 'nothing sent while paused');
      await callServer(server, 'POST', `/v1/streams/${stream.id}/resume`, key);
      await waitFor('the events ingested while paused', () => (new Set(carried()).size >= sent.length + more.length ? true : undefined));
      assert.equal(await server.stop('SIGTERM'), 0, 'the thread stops with the server');
      server = undefined;
    });
  });
}
