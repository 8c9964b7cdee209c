// Where the server's time goes while it takes ingest with 5 active webhook streams (issue 17):
// a server process under --cpu-prof on a fresh store, five niced receivers, ingest in batches of
// 100 (4 at a time), the profile cut to the load and the streams' delivery of it, and summarised
// by stage and by function.
//
//   npx tsx bench/streams-profile.ts --engine postgres [--events 20000] [--streams 5] [--seed N] [--analyze] [--top N] [--keep DIR]
// (--seed: events put in the log before the streams are made, as the benchmark does; --analyze:
// PostgreSQL's statistics refreshed after the seed; --top: how many functions to list.)

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestStore, type Engine } from '../src/store/testing/test-stores.js';
import { arg, log } from './lib/cli.js';
import { summariseProfile, type CpuProfile, type Stage } from './lib/cpu-profile.js';
import { startReceiverProcess } from './lib/receiver-process.js';
import { cpuSeconds, mainThreadCpuSeconds } from './lib/stats.js';
import { bodiesOf, ingest, startServer, streamsCaughtUp } from './streams-bench.js';

const engine = (arg('engine') ?? 'postgres') as Engine;
const events = Number(arg('events') ?? 20_000);
const streams = Number(arg('streams') ?? 5);
const seed = Number(arg('seed') ?? 0);
const dir = arg('keep') ?? mkdtempSync(join(tmpdir(), 'stele-streams-prof-'));
const db = await openTestStore(engine);
const s = await startServer(db, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
const receivers = await Promise.all(Array.from({ length: streams }, () => startReceiverProcess()));
if (seed) await ingest(s, bodiesOf(seed, 1000), 2);
if (engine === 'postgres' && process.argv.includes('--analyze')) await db.raw('ANALYZE');
const ids: string[] = [];
for (const [i, r] of receivers.entries()) ids.push((await s.call('POST', '/v1/streams', { name: `s${i}`, type: 'webhook', config: { url: r.url }, filter: { actions: ['bench.*'] } })).id);

const bodies = bodiesOf(events, 100);
// Group commits in the window, from the server's /metrics: how many events each transaction took.
const groups = async () => {
  const text = await (await fetch(`${s.server.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { groups: value('stele_store_commit_group_events_count'), events: value('stele_store_commit_group_events_sum') };
};
const groupsBefore = await groups();
const cpuBefore = cpuSeconds(s.server.child.pid!);
const mainBefore = mainThreadCpuSeconds(s.server.child.pid!);
const fromUs = Number(process.hrtime.bigint() / 1000n);
const started = performance.now();
await ingest(s, bodies, 4);
const seconds = (performance.now() - started) / 1000;
// The window ends once every stream has delivered the load, so it holds all the work the load caused.
await streamsCaughtUp(s, ids);
const caughtUpSeconds = (performance.now() - started) / 1000;
const groupsAfter = await groups();
log(`group commits: ${groupsAfter.groups - groupsBefore.groups} for ${groupsAfter.events - groupsBefore.events} events`);
const serverCpuUs = ((cpuSeconds(s.server.child.pid!) - cpuBefore) * 1e6) / events;
const mainCpuUs = ((mainThreadCpuSeconds(s.server.child.pid!) - mainBefore) * 1e6) / events;
const toUs = Number(process.hrtime.bigint() / 1000n);
log(`ingested ${events} events in ${seconds.toFixed(1)} s (${Math.round(events / seconds)}/s) with ${streams} streams on ${engine}; caught up after ${caughtUpSeconds.toFixed(1)} s; the server's CPU ${serverCpuUs.toFixed(0)} µs an event, ${mainCpuUs.toFixed(0)} of them its main thread's`);
await s.server.stop();
for (const r of receivers) await r.close();
await db.close();

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
// One profile per thread: the main thread's (thread id 0 in the file name) and the streams thread's.
for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).sort()) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const thread = /\.0\.\d+\.cpuprofile$/.test(file) ? 'main thread' : 'streams thread';
  const summary = summariseProfile(profile, stages, { fromUs, toUs }, Number(arg('top') ?? 40));
  log(`${thread} (${dir}/${file}), ${(summary.totalUs / 1e6).toFixed(1)} s of samples in the load:`);
  const usPerEvent = (share: number) => ((share * summary.totalUs) / events).toFixed(1);
  for (const [stage, share] of summary.stages) log(`  ${stage.padEnd(24)} ${(share * 100).toFixed(1).padStart(5)}%  ${usPerEvent(share).padStart(6)} µs/event`);
  log('by function (self time):');
  for (const [fn, share] of summary.selfTime) log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${usPerEvent(share).padStart(6)} µs/event  ${fn}`);
}
