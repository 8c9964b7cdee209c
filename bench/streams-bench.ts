// Streams (issue 17), against a real server process and receivers on loopback, each in a niced
// process of its own (bench/lib/receiver-process.ts), as if on another machine:
// - delivery throughput of one stream to a webhook receiver, to Debian's rsyslog and to s3rver,
//   each next to the transport's raw limit measured in the same run (the same events, already
//   encoded, pushed by this process straight to the same receiver, one request at a time);
// - end-to-end latency from ingest acknowledgement to receipt at a steady 1,000 events/s;
// - the ingest rate with 5 active streams, next to the rate with none.

import { gzipSync } from 'node:zlib';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { openTestStore, type Engine, type TestStore } from '../src/store/testing/test-stores.js';
import { startServerProcess, type ServerProcess } from '../test/helpers/server-process.js';
import { waitFor } from '../test/streams/http-receiver.js';
import { startReceiverProcess } from './lib/receiver-process.js';
import { RSYSLOG_AVAILABLE, startRsyslog } from '../test/streams/rsyslog.js';
import { postEvents } from './lib/post-events.js';
import { clientEvent } from './lib/seed.js';
import { cpuSeconds, cpuSecondsOfCommand, mainThreadCpuSeconds, machineCpuSeconds, ownCpuSeconds, percentile, rate, ratio, round } from './lib/stats.js';

const ADMIN = 'stele_admin_streams_bench_0123456789';
type Log = (line: string) => void;

interface Server {
  server: ServerProcess;
  key: string;
  call: (method: string, path: string, body?: unknown) => Promise<any>;
  /** A key of another tenant of the same server. */
  tenantKey: (name: string) => Promise<string>;
}

/** A server process over the test store, with a tenant and a key; `nodeArgs` for its node (--cpu-prof). */
export async function startServer(db: TestStore, nodeArgs: string[] = []): Promise<Server> {
  const env: Record<string, string> = { STELE_ADMIN_TOKEN: ADMIN, STELE_LOG_LEVEL: 'error', STELE_RATE_LIMIT_PER_MINUTE: '0' };
  if (db.location.sqliteFile) env.STELE_DATA_DIR = db.location.sqliteFile.replace(/\/stele\.db$/, '');
  else Object.assign(env, { STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema! });
  const server = await startServerProcess(env, [], nodeArgs);
  const request = async (method: string, path: string, body: unknown, key: string) => {
    const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const tenantKey = async (name: string): Promise<string> => {
    const tenant = await request('POST', '/v1/tenants', { name }, ADMIN);
    return (await request('POST', `/v1/tenants/${tenant.id}/keys`, { name, scopes: ['events:write', 'audit:read', 'streams:manage'] }, ADMIN)).key;
  };
  const key = await tenantKey('bench');
  return { server, key, tenantKey, call: (method, path, body) => request(method, path, body, key) };
}

/** Request bodies of `batch` events each (`bench.*` actions), `count` events in all. */
export const bodiesOf = (count: number, batch: number) => Array.from({ length: Math.ceil(count / batch) }, (_, r) => JSON.stringify(Array.from({ length: Math.min(batch, count - r * batch) }, (_, k) => {
  const input = clientEvent(r * batch + k, count);
  return { ...input, action: `bench.${input.action}` };
})));

/** Sends the bodies with `concurrency` requests at a time (with another tenant's key if given); resolves with the events stored. */
export const ingest = (s: Server, bodies: string[], concurrency: number, key = s.key): Promise<number> => postEvents(s.server.url, key, bodies, concurrency);

/** Resolves once none of the streams lags behind the log (GET /v1/streams/{id}, lag.events 0). */
export const streamsCaughtUp = (s: Server, ids: readonly string[]) => waitFor(`${ids.length} streams to catch up`, async () => {
  const views = await Promise.all(ids.map((id) => s.call('GET', `/v1/streams/${id}`)));
  return views.every((v) => v.lag.events === 0) ? true : undefined;
}, 600_000);

/** From creating a stream that starts at seq 1 until `delivered` says every event arrived. */
async function streamThroughput(s: Server, config: { type: string; config: Record<string, unknown> }, count: number, delivered: (streamId: string) => Promise<number>) {
  return rate(async () => {
    const stream = await s.call('POST', '/v1/streams', { name: `bench ${config.type}`, ...config, start: 1, filter: { actions: ['bench.*'] } });
    await waitFor(`${count} events delivered to ${config.type}`, async () => ((await delivered(stream.id)) >= count ? true : undefined), 600_000);
    await s.call('POST', `/v1/streams/${stream.id}/pause`);
    return count;
  });
}

/** Bodies of 1,000 events as the webhook sends them, for the raw limit. */
async function webhookBodies(s: Server, count: number): Promise<string[]> {
  const out: string[] = [];
  let after = 0;
  while (out.length * 1000 < count) {
    const page = await s.call('GET', `/v1/events/feed?after_seq=${after}&limit=1000&action=bench.*`);
    out.push(`{"type":"audit.events","events":[${(page.events as unknown[]).map((e) => JSON.stringify(e)).join(',')}]}`);
    after = page.next_after_seq;
  }
  return out;
}

export async function runStreamsBench(opts: { engines: Engine[]; events: number; log: Log }) {
  const results = [];
  for (const engine of opts.engines) {
    const db = await openTestStore(engine);
    const s = await startServer(db);
    const cleanups: (() => Promise<unknown>)[] = [async () => s.server.stop(), async () => db.close()];
    try {
      const count = opts.events;
      opts.log(`streams on ${engine}: seeding ${count} events`);
      await ingest(s, bodiesOf(count, 1000), 2);

      // Webhook.
      opts.log('  throughput to a webhook receiver');
      const hook = await startReceiverProcess();
      cleanups.push(() => hook.close());
      const webhook = await streamThroughput(s, { type: 'webhook', config: { url: hook.url } }, count, () => hook.events());
      const bodies = await webhookBodies(s, count);
      const webhookRaw = await rate(async () => {
        for (const body of bodies) await fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.arrayBuffer());
        return count;
      });

      // rsyslog.
      let syslog;
      if (RSYSLOG_AVAILABLE) {
        opts.log('  throughput to rsyslog');
        const rx = await startRsyslog();
        cleanups.push(() => rx.close());
        const stream = await streamThroughput(s, { type: 'syslog', config: { host: '127.0.0.1', port: rx.port } }, count, async () => rx.raw().length);
        const frames = rx.raw().slice(0, count).map((line) => `${Buffer.byteLength(line)} ${line}`);
        await rx.stop();
        const raw2 = await startRsyslog();
        cleanups.push(() => raw2.close());
        const raw = await rate(async () => {
          const socket = connect(raw2.port, '127.0.0.1');
          await new Promise((resolve) => socket.once('connect', resolve));
          for (let i = 0; i < frames.length; i += 1000) await new Promise((resolve) => socket.write(frames.slice(i, i + 1000).join(''), resolve));
          await waitFor('rsyslog to write every raw frame', () => (raw2.raw().length >= count ? true : undefined), 600_000);
          socket.destroy();
          return count;
        });
        syslog = { stream, raw, ratio: ratio(stream.per_second, raw.per_second) };
      }

      // s3rver.
      opts.log('  throughput to s3rver');
      const dir = mkdtempSync(join(tmpdir(), 'stele-bench-s3-'));
      const s3rver = new S3rver({ address: '127.0.0.1', port: 0, directory: dir, silent: true, configureBuckets: [{ name: 'bench', configs: [] }] });
      const s3Port = (await s3rver.run()).port;
      cleanups.push(async () => { await s3rver.close(); rmSync(dir, { recursive: true, force: true }); });
      const s3Config = { bucket: 'bench', prefix: 'stream/', region: 'us-east-1', endpoint: `http://127.0.0.1:${s3Port}`, access_key_id: 'S3RVER', secret_access_key: 'S3RVER', force_path_style: true };
      // Delivered = accepted by s3rver, as the stream's own count says once nothing lags.
      const s3Stream = await streamThroughput(s, { type: 's3', config: s3Config }, count, async (id) => {
        const view = await s.call('GET', `/v1/streams/${id}`);
        return view.lag.events === 0 ? view.delivered : 0;
      });
      const client = new S3Client({ region: 'us-east-1', endpoint: s3Config.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED' });
      const objects = bodies.map((b) => gzipSync(`${(JSON.parse(b) as { events: unknown[] }).events.map((e) => JSON.stringify(e)).join('\n')}\n`));
      const s3Raw = await rate(async () => {
        // Objects of 10,000 events, as the stream writes them, plus a small manifest each.
        for (let i = 0; i < objects.length; i += 10) {
          await client.send(new PutObjectCommand({ Bucket: 'bench', Key: `raw/${i}.ndjson.gz`, Body: Buffer.concat(objects.slice(i, i + 10)), ContentEncoding: 'gzip' }));
          await client.send(new PutObjectCommand({ Bucket: 'bench', Key: `raw/${i}.manifest.json`, Body: '{"count":10000}' }));
        }
        return count;
      });
      client.destroy();

      // Latency at a steady 1,000 events/s: 10 batches of 100 a second for 20 seconds.
      opts.log('  end-to-end latency at 1,000 events/s');
      const live = await startReceiverProcess({ timing: true });
      cleanups.push(() => live.close());
      const liveStream = await s.call('POST', '/v1/streams', { name: 'latency', type: 'webhook', config: { url: live.url }, filter: { actions: ['bench.*'] } });
      const acks = new Map<string, number>();
      const ticks = 200;
      const start = performance.now();
      const pending: Promise<void>[] = [];
      for (let t = 0; t < ticks; t++) {
        const due = start + t * 100;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const body = bodiesOf(100, 100)[0]!;
        pending.push(fetch(`${s.server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' }, body })
          .then((r) => r.json() as Promise<{ events: { id: string }[] }>)
          .then(({ events }) => { const at = performance.now() + performance.timeOrigin; for (const e of events) acks.set(e.id, at); }));
      }
      await Promise.all(pending);
      const sentRate = Math.round((ticks * 100) / ((performance.now() - start) / 1000));
      await waitFor('every live event', async () => ((await live.events()) >= acks.size ? true : undefined), 60_000);
      await s.call('POST', `/v1/streams/${liveStream.id}/pause`);
      const arrived = await live.arrivals();
      // Receipt can precede the client's ack (the stream sends as soon as the batch commits): such events count 0 ms.
      const latencies = [...acks].map(([id, ack]) => Math.max(0, arrived[id]! - ack)).sort((a, b) => a - b);
      const latency = { events_per_second: sentRate, events: latencies.length, p50_ms: round(percentile(latencies, 50), 1), p99_ms: round(percentile(latencies, 99), 1), max_ms: round(latencies.at(-1)!, 1) };

      // Ingest with 5 active streams vs none (batches of 100, 4 at a time). This machine's load
      // drifts, so the two are measured in turns (none, five, none, five, none, five), each
      // reporting its median: "five" into the tenant with the five streams, "none" into another
      // tenant of the same server, which has none. The streams stay active throughout, and every
      // turn begins once they have caught up, so a turn's figures hold that turn's delivery only.
      // (Until 2026-12-06 the streams were paused for the "none" turns, so each "five" turn also
      // delivered the backlog of the turn before: twice its own events.)
      opts.log('  ingest rate with no stream and with 5 active streams, in turns');
      const load = bodiesOf(Math.max(10_000, count / 10), 100);
      const five = await Promise.all(Array.from({ length: 5 }, () => startReceiverProcess()));
      for (const r of five) cleanups.push(() => r.close());
      const loadStreams: string[] = [];
      for (const [i, r] of five.entries()) loadStreams.push((await s.call('POST', '/v1/streams', { name: `load ${i}`, type: 'webhook', config: { url: r.url }, filter: { actions: ['bench.*'] } })).id);
      // Where the CPU goes in a turn, per event ingested: the server, PostgreSQL, the five receivers,
      // this benchmark's client, and the machine as a whole (with how much of it stayed idle).
      const cpuNow = () => ({
        server: cpuSeconds(s.server.child.pid!),
        server_main_thread: mainThreadCpuSeconds(s.server.child.pid!),
        postgres: engine === 'postgres' ? cpuSecondsOfCommand('postgres') : 0,
        receivers: five.reduce((sum, r) => sum + cpuSeconds(r.pid), 0),
        client: ownCpuSeconds(),
        machine: machineCpuSeconds(),
      });
      const quiet = await s.tenantKey('no streams');
      const caughtUp = () => streamsCaughtUp(s, loadStreams);
      const turn = async (active: boolean) => {
        await caughtUp();
        // PostgreSQL's statistics describe the log as it stands, as autovacuum keeps them in a
        // running deployment. Left to itself, autovacuum would not look at a table this young
        // between turns, and statistics from its first seconds plan whole-tenant reads: the
        // streams' seq-range reads went through the action index, reading and sorting every event
        // of the tenant each time, and the other tenant's proofs (a checkpoint's consistency check)
        // read all its rows.
        if (engine === 'postgres') await db.raw('ANALYZE events');
        const before = cpuNow();
        const measured = await rate(() => ingest(s, load, 4, active ? s.key : quiet));
        const after = cpuNow();
        const perEvent = (seconds: number) => round((seconds * 1e6) / measured.count, 1);
        const cpu_us_per_event = {
          server: perEvent(after.server - before.server), server_main_thread: perEvent(after.server_main_thread - before.server_main_thread), postgres: perEvent(after.postgres - before.postgres),
          receivers: perEvent(after.receivers - before.receivers), client: perEvent(after.client - before.client),
          machine: perEvent(after.machine.busy - before.machine.busy),
        };
        const idle_share = round(1 - (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total), 3);
        opts.log(`    ${active ? 'five streams' : 'no stream'}: ${measured.per_second}/s; CPU µs per event ${JSON.stringify(cpu_us_per_event)}, machine idle ${Math.round(idle_share * 100)}%`);
        return { ...measured, cpu_us_per_event, idle_share };
      };
      const turns: { none: Awaited<ReturnType<typeof turn>>[]; five: Awaited<ReturnType<typeof turn>>[] } = { none: [], five: [] };
      for (let round = 0; round < 3; round++) {
        turns.none.push(await turn(false));
        turns.five.push(await turn(true));
      }
      const lastCatchUp = await rate(async () => {
        await caughtUp();
        return 0;
      });
      const medianOf = (rates: Awaited<ReturnType<typeof turn>>[]) => rates.slice().sort((a, b) => a.per_second - b.per_second)[1]!;
      const none = medianOf(turns.none);
      const withFive = medianOf(turns.five);

      results.push({
        engine, events: count,
        throughput: {
          webhook: { stream: webhook, raw: webhookRaw, ratio: ratio(webhook.per_second, webhookRaw.per_second) },
          ...(syslog && { syslog }),
          s3: { stream: s3Stream, raw: s3Raw, ratio: ratio(s3Stream.per_second, s3Raw.per_second) },
        },
        latency_at_1000_per_second: latency,
        ingest_with_streams: { none, five_streams: withFive, ratio: ratio(withFive.per_second, none.per_second), turns, catch_up_seconds_after: lastCatchUp.seconds },
      });
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    }
  }
  return { results };
}
