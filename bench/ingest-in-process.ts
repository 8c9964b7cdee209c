// The server's own CPU time per ingested event, without sockets or a client process competing for
// the same cores: the whole app (hooks, authentication, body parsing, validation, sealing, the
// store and its commit) driven in-process with app.inject, the same bodies and concurrency as
// bench/ingest-bench.ts. On a shared machine this moves far less between runs than a rate over
// HTTP, so it is what tells whether a change to the ingest path paid (docs/performance.md).
// TMPDIR=/dev/shm takes the disk's fsync out of it too (SQLite).
//
//   npx tsx bench/ingest-in-process.ts --engine sqlite --batch 1 --events 6000 [--profile]
//
// --profile samples the measured part (not start-up) and prints where the time went, by stage
// and by function, as bench/ingest-profile.ts does for a server process.

import { Session } from 'node:inspector/promises';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { openTestStore, type Engine } from '../src/store/testing/test-stores.js';
import { testSigningKey } from '../test/helpers/signing-key.js';
import { arg, log } from './lib/cli.js';
import { summariseProfile, type CpuProfile } from './lib/cpu-profile.js';
import { INGEST_STAGES } from './lib/ingest-stages.js';
import { clientEvent } from './lib/seed.js';
import { round } from './lib/stats.js';

const ADMIN = 'stele_admin_in_process_bench_0123456789';
const engine = (arg('engine') ?? 'sqlite') as Engine;
const batch = Number(arg('batch') ?? 1);
const events = Number(arg('events') ?? (batch === 1 ? 6000 : 30_000));
const concurrency = Number(arg('concurrency') ?? (batch === 1 ? 64 : 8));
const profiling = process.argv.includes('--profile');

const db = await openTestStore(engine);
const config = loadConfig({ STELE_ADMIN_TOKEN: ADMIN, STELE_DATA_DIR: '/nonexistent', STELE_RATE_LIMIT_PER_MINUTE: '0' });
const { app } = await buildApp({ config, store: db.store, signingKey: testSigningKey() });
try {
  const asAdmin = { authorization: `Bearer ${ADMIN}` };
  const tenant = (await app.inject({ method: 'POST', url: '/v1/tenants', headers: asAdmin, payload: { name: 'bench' } })).json() as { id: string };
  const { key } = (await app.inject({ method: 'POST', url: `/v1/tenants/${tenant.id}/keys`, headers: asAdmin, payload: { name: 'bench', scopes: ['events:write'] } })).json() as { key: string };
  const requests = Math.ceil(events / batch);
  const bodies = Array.from({ length: requests }, (_, r) => {
    const batchEvents = Array.from({ length: batch }, (_, k) => clientEvent(r * batch + k, events));
    return JSON.stringify(batch === 1 ? batchEvents[0] : batchEvents);
  });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const send = async (from: number, to: number) => {
    let next = from;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < to) {
        const response = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: bodies[next++]! });
        if (response.statusCode !== 201) throw new Error(`ingest answered ${response.statusCode}: ${response.body}`);
      }
    }));
  };
  // The first fifth warms the code up and is not counted.
  const warm = Math.floor(requests / 5);
  await send(0, warm);
  const session = new Session();
  if (profiling) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const cpu = process.cpuUsage();
  const start = performance.now();
  await send(warm, requests);
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - start) / 1000;
  const counted = (requests - warm) * batch;
  if (profiling) {
    const { profile } = await session.post('Profiler.stop');
    const summary = summariseProfile(profile as unknown as CpuProfile, INGEST_STAGES);
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
    log('by stage:');
    for (const [stage, share] of summary.stages) log(`  ${pct(share)}  ${stage}`);
    log('top self time:');
    for (const [fn, share] of summary.selfTime) log(`  ${pct(share)}  ${fn}`);
  }
  process.stdout.write(`${JSON.stringify({
    engine, batch, concurrency, events: counted, per_second: Math.round(counted / seconds),
    cpu_us_per_event: round((used.user + used.system) / counted, 1), user_us: round(used.user / counted, 1), system_us: round(used.system / counted, 1),
  })}\n`);
} finally {
  await app.close();
  await db.close();
}
