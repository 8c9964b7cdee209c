// Where a server's time goes under the ingest benchmark's load (issue 22: "a profile summary of
// where the remaining time goes"). Starts the server process with --cpu-prof, sends the same
// requests as bench/ingest-bench.ts, and summarises the main thread's profile over the load only
// (start-up and shutdown left out): the functions with the most self time, and the share of each
// stage of a request.
//
//   npx tsx bench/ingest-profile.ts --engine sqlite --batch 1 --concurrency 64 --events 20000
//   npx tsx bench/ingest-profile.ts --engine postgres --batch 100 --concurrency 8 --events 100000
//
// --keep DIR keeps the main thread's .cpuprofile, and every other thread's beside it as …thread<id>.cpuprofile (open
// them in Chrome DevTools or speedscope for a flame graph);
// --json prints the summary as JSON.

import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestStore, type Engine } from '../src/store/testing/test-stores.js';
import { httpIngest } from './ingest-bench.js';
import { arg, log } from './lib/cli.js';
import { summariseProfile, type CpuProfile } from './lib/cpu-profile.js';
import { INGEST_STAGES } from './lib/ingest-stages.js';

const engine = (arg('engine') ?? 'sqlite') as Engine;
const batch = Number(arg('batch') ?? 1);
const concurrency = Number(arg('concurrency') ?? (batch === 1 ? 64 : 8));
const events = Number(arg('events') ?? (batch === 1 ? 20_000 : 100_000));

const dir = mkdtempSync(join(tmpdir(), 'stele-profile-'));
const db = await openTestStore(engine);
let window = { fromUs: 0, toUs: 0 };
try {
  log(`profiling the server: ${engine}, ${events} events in ${batch === 1 ? 'single-event requests' : `batches of ${batch}`}, ${concurrency} at once`);
  const result = await httpIngest(db, events, batch, concurrency, {
    serverNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    onLoad: (load) => { window = load; },
  });
  log(`  ${result.per_second} events/s, ${result.server_cpu_us_per_event} µs of server CPU an event, ${result.seconds} s`);
} finally {
  await db.close();
}

// The server's main thread: CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile, thread 0.
const files = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
if (files.length !== 1) throw new Error(`expected one main-thread profile in ${dir}, found: ${readdirSync(dir).join(', ')}`);
const profile = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as CpuProfile;
const keep = arg('keep');
if (keep) {
  mkdirSync(keep, { recursive: true });
  copyFileSync(join(dir, files[0]!), join(keep, `ingest-${engine}-batch${batch}-c${concurrency}.cpuprofile`));
  // The other threads' (the SQLite writer, checkpointer, feature threads) beside it, by thread id.
  for (const other of readdirSync(dir).filter((f) => f !== files[0])) {
    const thread = /\.(\d+)\.\d+\.cpuprofile$/.exec(other)?.[1] ?? other;
    copyFileSync(join(dir, other), join(keep, `ingest-${engine}-batch${batch}-c${concurrency}.thread${thread}.cpuprofile`));
  }
}
rmSync(dir, { recursive: true, force: true });

const summary = summariseProfile(profile, INGEST_STAGES, window);
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
  process.stdout.write(`main thread over the load: ${(summary.totalUs / 1e6).toFixed(2)} s\n\nby stage:\n`);
  for (const [stage, share] of summary.stages) process.stdout.write(`  ${pct(share)}  ${stage}\n`);
  process.stdout.write('\ntop self time:\n');
  for (const [fn, share] of summary.selfTime) process.stdout.write(`  ${pct(share)}  ${fn}\n`);
}
