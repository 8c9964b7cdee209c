// Where the server's time goes while it takes ingest with 5 active webhook streams (issue 17):
// a server process under --cpu-prof on a fresh store, five niced receivers, ingest in batches of
// 100 (4 at a time), the profile cut to the load and summarised by stage and by function.
//
//   npx tsx bench/streams-profile.ts --engine postgres [--events 20000] [--streams 5] [--keep DIR]

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestStore, type Engine } from '../src/store/testing/test-stores.js';
import { startServerProcess } from '../test/helpers/server-process.js';
import { arg, log } from './lib/cli.js';
import { summariseProfile, type CpuProfile, type Stage } from './lib/cpu-profile.js';
import { startReceiverProcess } from './lib/receiver-process.js';
import { syntheticEvent } from './lib/seed.js';

const engine = (arg('engine') ?? 'postgres') as Engine;
const events = Number(arg('events') ?? 20_000);
const streams = Number(arg('streams') ?? 5);
const dir = arg('keep') ?? mkdtempSync(join(tmpdir(), 'stele-streams-prof-'));
const ADMIN = 'stele_admin_streams_prof_0123456789';

const db = await openTestStore(engine);
const env: Record<string, string> = { STELE_ADMIN_TOKEN: ADMIN, STELE_LOG_LEVEL: 'error', STELE_RATE_LIMIT_PER_MINUTE: '0' };
if (db.location.sqliteFile) env.STELE_DATA_DIR = db.location.sqliteFile.replace(/\/stele\.db$/, '');
else Object.assign(env, { STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema! });
const server = await startServerProcess(env, [], ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
const call = async (method: string, path: string, body: unknown, key: string) => {
  const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<any>;
};
const tenant = await call('POST', '/v1/tenants', { name: 'prof' }, ADMIN);
const { key } = await call('POST', `/v1/tenants/${tenant.id}/keys`, { name: 'prof', scopes: ['events:write', 'audit:read', 'streams:manage'] }, ADMIN);
const receivers = await Promise.all(Array.from({ length: streams }, () => startReceiverProcess()));
for (const [i, r] of receivers.entries()) await call('POST', '/v1/streams', { name: `s${i}`, type: 'webhook', config: { url: r.url }, filter: { actions: ['bench.*'] } }, key);

const bodies = Array.from({ length: events / 100 }, (_, b) => JSON.stringify(Array.from({ length: 100 }, (_, k) => {
  const { id: _id, category: _c, received_at: _r, ...input } = syntheticEvent(b * 100 + k, events, Date.now() - 60_000);
  return { ...input, action: `bench.${input.action}` };
})));
const fromUs = Number(process.hrtime.bigint() / 1000n);
const started = performance.now();
let next = 0;
await Promise.all(Array.from({ length: 4 }, async () => {
  while (next < bodies.length) {
    const body = bodies[next++]!;
    const response = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
    if (response.status !== 201) throw new Error(`ingest: ${response.status}`);
    await response.arrayBuffer();
  }
}));
const seconds = (performance.now() - started) / 1000;
const toUs = Number(process.hrtime.bigint() / 1000n);
log(`ingested ${events} events in ${seconds.toFixed(1)} s (${Math.round(events / seconds)}/s) with ${streams} streams on ${engine}`);
await server.stop();
for (const r of receivers) await r.close();
await db.close();

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!;
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
const inFile = (part: string): Stage['matches'] => (frame) => frame.file.includes(part);
const stages: Stage[] = [
  { name: 'garbage collection', matches: (frame, leaf) => leaf && frame.name === '(garbage collector)' },
  { name: 'streams: encode', matches: inFile('src/streams/destinations/payloads') },
  { name: 'streams: webhook send', matches: inFile('src/streams/destinations/webhook') },
  { name: 'streams: read', matches: (frame) => frame.file.includes('src/streams/shared-reads') || frame.file.includes('stream-selection') },
  { name: 'streams: other', matches: inFile('src/streams/') },
  { name: 'ingest', matches: (frame) => frame.file.includes('src/ingest/') || frame.file.includes('src/api/') },
  { name: 'store', matches: inFile('src/store/') },
  { name: 'pg driver', matches: (frame) => frame.file.startsWith('pg') },
  { name: 'idle', matches: (frame, leaf) => leaf && frame.name === '(idle)' },
];
const summary = summariseProfile(profile, stages, { fromUs, toUs }, 40);
log(`profile (${dir}/${file}), ${(summary.totalUs / 1e6).toFixed(1)} s of samples in the load:`);
const usPerEvent = (share: number) => ((share * summary.totalUs) / events).toFixed(1);
for (const [stage, share] of summary.stages) log(`  ${stage.padEnd(24)} ${(share * 100).toFixed(1).padStart(5)}%  ${usPerEvent(share).padStart(6)} µs/event`);
log('by function (self time):');
for (const [fn, share] of summary.selfTime) log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${usPerEvent(share).padStart(6)} µs/event  ${fn}`);
