// Where the alerts benchmark's rules cost, in store calls (issue 18): the app in-process on one
// engine, the alerts benchmark's 20 rules and event mix, and every call the app makes to the
// Store port counted and timed, per 1,000 events ingested into a tenant without rules and into one
// with them (evaluation awaited). The difference is what evaluation asks of the database.
//
//   npx tsx bench/alerts-profile.ts --engine postgres --events 5000 [--turns 3] [--warmup 3] [--profile]
//
// --profile: every turn CPU-profiled (node:inspector), and the functions whose
// self time grew most with the rules listed (µs per event).

import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { aggregateStatement } from '../src/store/aggregate-statement.js';
import type { EventAggregation, Store } from '../src/store/port.js';
import type { SqlParam } from '../src/sql/fragments.js';
import { startTestApp } from '../test/helpers/test-app.js';
import type { Engine } from '../src/store/testing/test-stores.js';
import { loadEvent, rules } from './alerts-bench.js';
import { arg, log } from './lib/cli.js';
import { summariseProfile, type CpuProfile } from './lib/cpu-profile.js';
import { threadCpuSeconds } from './lib/stats.js';
import { INGEST_STAGES } from './lib/ingest-stages.js';

const engine = (arg('engine') ?? 'postgres') as Engine;
const events = Number(arg('events') ?? 5000);
const turns = Number(arg('turns') ?? 3);

type Tally = Map<string, { calls: number; ms: number }>;
let tally: Tally | undefined;
/** The window reads (aggregateEvents) by statement, lists of placeholders folded: calls, ms, the latest one. */
const statements = new Map<string, { calls: number; ms: number; text: string; params: SqlParam[] }>();

function counted(store: Store): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return (...args: unknown[]) => {
        const own = tally;
        const start = performance.now();
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (own && result instanceof Promise) {
          return result.finally(() => {
            const ms = performance.now() - start;
            const entry = own.get(name) ?? { calls: 0, ms: 0 };
            entry.calls += 1;
            entry.ms += ms;
            own.set(name, entry);
            if (name !== 'aggregateEvents') return;
            // The statement the store ran: PostgreSQL reads each group on its own when eachGroup says so.
            const aggregation = args[1] as EventAggregation;
            const statement = aggregateStatement(args[0] as string, aggregation, engine === 'postgres' && aggregation.eachGroup ? 'correlated' : 'grouped');
            const shape = statement.text.replace(/\?(, \?)+/g, '?…');
            const seen = statements.get(shape) ?? { calls: 0, ms: 0, text: statement.text, params: statement.params };
            statements.set(shape, { calls: seen.calls + 1, ms: seen.ms + ms, text: statement.text, params: statement.params });
          });
        }
        return result;
      };
    },
  });
}

const t = await startTestApp(engine, {}, undefined, undefined, { wrapStore: counted });
try {
  const withRules = await t.tenantWithKey(['events:write', 'alerts:manage'], 'rules');
  const bare = await t.tenantWithKey(['events:write'], 'none');
  for (const body of rules('http://127.0.0.1:9/alerts')) {
    const response = await t.request({ method: 'POST', url: '/v1/alert-rules', key: withRules.key, payload: body });
    if (response.statusCode !== 201) throw new Error(`rule: ${response.statusCode} ${response.body}`);
  }
  let sent = 0;
  async function ingest(key: string, count: number): Promise<void> {
    const at = new Date().toISOString();
    const bodies = Array.from({ length: Math.ceil(count / 100) }, (_, b) => Array.from({ length: 100 }, (_, k) => loadEvent(sent + b * 100 + k, at)));
    sent += count;
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < bodies.length) {
        const response = await t.request({ method: 'POST', url: '/v1/events', key, payload: bodies[next++] });
        if (response.statusCode !== 201) throw new Error(`ingest: ${response.statusCode} ${response.body}`);
      }
    }));
    await t.alertsIdle();
  }
  // Warm-up: first-seen baselines, and JIT, which keeps compiling the rules' code for several
  // turns (--warmup 1: what the benchmark measured until 2026-12-07).
  for (let round = 0; round < Number(arg('warmup') ?? 3); round++) {
    await ingest(withRules.key, events);
    await ingest(bare.key, events);
  }
  // --analyze-first: statistics as a live table has them, from before the latest events.
  if (engine === 'postgres' && process.argv.includes('--analyze-first')) await t.db.raw('ANALYZE events');
  const profiling = process.argv.includes('--profile');
  const session = new Session();
  if (profiling) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
  }
  const profiles: Record<'none' | 'twenty', CpuProfile[]> = { none: [], twenty: [] };
  const sums = { none: new Map() as Tally, twenty: new Map() as Tally, cpu: { none: 0, twenty: 0 } };
  const threads = { none: { main: 0, others: 0 }, twenty: { main: 0, others: 0 } };
  for (let turn = 0; turn < turns; turn++) {
    for (const which of ['none', 'twenty'] as const) {
      tally = sums[which];
      if (profiling) await session.post('Profiler.start');
      const cpu = process.cpuUsage();
      const threadsBefore = threadCpuSeconds(process.pid);
      await ingest(which === 'none' ? bare.key : withRules.key, events);
      const used = process.cpuUsage(cpu);
      const threadsAfter = threadCpuSeconds(process.pid);
      threads[which].main += threadsAfter.main - threadsBefore.main;
      threads[which].others += threadsAfter.others - threadsBefore.others;
      if (profiling) profiles[which].push((await session.post('Profiler.stop')).profile as unknown as CpuProfile);
      sums.cpu[which] += used.user + used.system;
      tally = undefined;
    }
    log(`turn ${turn + 1} done`);
  }
  const per = 1000 / (events * turns);
  const names = [...new Set([...sums.none.keys(), ...sums.twenty.keys()])].sort();
  process.stdout.write(`${engine}, ${events} events a turn, ${turns} turns; per 1,000 events:\n`);
  process.stdout.write(`  process CPU: ${(sums.cpu.none * per / 1000).toFixed(1)} ms without rules, ${(sums.cpu.twenty * per / 1000).toFixed(1)} ms with 20\n`);
  for (const part of ['main', 'others'] as const) {
    const title = part === 'main' ? 'main thread' : 'other threads (GC, JIT, libuv)';
    process.stdout.write(`    ${title.padEnd(32)} ${(threads.none[part] * 1000 * per).toFixed(1).padStart(6)} ms → ${(threads.twenty[part] * 1000 * per).toFixed(1).padStart(6)} ms\n`);
  }
  process.stdout.write(`  ${'store call'.padEnd(22)} ${'calls none'.padStart(10)} ${'calls 20'.padStart(10)} ${'ms none'.padStart(9)} ${'ms 20'.padStart(9)}\n`);
  for (const name of names) {
    const a = sums.none.get(name) ?? { calls: 0, ms: 0 };
    const b = sums.twenty.get(name) ?? { calls: 0, ms: 0 };
    process.stdout.write(`  ${name.padEnd(22)} ${(a.calls * per).toFixed(1).padStart(10)} ${(b.calls * per).toFixed(1).padStart(10)} ${(a.ms * per).toFixed(1).padStart(9)} ${(b.ms * per).toFixed(1).padStart(9)}\n`);
  }
  process.stdout.write(`\n  window reads by statement (all turns), ms per 1,000 events; EXPLAIN ANALYZE of the latest one:\n`);
  for (const [shape, { calls, ms, text, params }] of [...statements].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(arg('explain') ?? 6))) {
    process.stdout.write(`\n  ${(ms * per).toFixed(1)} ms, ${(calls * per).toFixed(2)} calls: ${shape.slice(0, 400)}\n`);
    if (engine !== 'postgres') continue;
    for (const analyzed of process.argv.includes('--analyze') ? [false, true] : [false]) {
      if (analyzed) {
        await t.db.raw('ANALYZE events');
        process.stdout.write('    after ANALYZE events:\n');
      }
      const plan = await t.db.raw(`EXPLAIN (ANALYZE) ${text}`, params);
      for (const row of plan) process.stdout.write(`      ${String(Object.values(row)[0])}\n`);
    }
  }
  if (process.argv.includes('--hold')) {
    process.stdout.write(`holding: schema ${t.db.location.pgSchema}, tenant ${withRules.tenantId}\n`);
    await new Promise((resolve) => setTimeout(resolve, 600_000));
  }
  if (profiling) {
    const perEvent = (list: CpuProfile[], of: 'selfTime' | 'stages') => {
      const sum = new Map<string, number>();
      for (const profile of list) {
        const summary = summariseProfile(profile, INGEST_STAGES, undefined, 100_000);
        for (const [name, share] of summary[of]) sum.set(name, (sum.get(name) ?? 0) + (share * summary.totalUs) / (events * list.length));
      }
      return sum;
    };
    for (const [of, title, top] of [['stages', 'by stage', 100], ['selfTime', 'by function (self time)', 40]] as const) {
      const a = perEvent(profiles.none, of);
      const b = perEvent(profiles.twenty, of);
      const grown = [...new Set([...a.keys(), ...b.keys()])].map((name) => [name, a.get(name) ?? 0, b.get(name) ?? 0] as const).sort((x, y) => (y[2] - y[1]) - (x[2] - x[1]));
      process.stdout.write(`\n  ${title}, µs per event without rules → with 20 (every turn):\n`);
      for (const [name, x, y] of grown.slice(0, top)) process.stdout.write(`  ${x.toFixed(2).padStart(7)} → ${y.toFixed(2).padStart(7)}  ${name}\n`);
    }
  }
} finally {
  await t.close();
}
