// Ingest throughput (issues 3, 4 and 22): HTTP events/s in batches of 100 and as single events
// from 64 connections, on each store, next to bare driver inserts of the same rows and indexes in
// transactions of 1,000 measured in the same run, with the server's CPU time per event; the
// latency of single events sent at a steady 80% of that single-event rate; and the cost of
// integrity (hashing, chain, Merkle nodes) at the store port, sealing for real versus a sealer
// that writes constant hashes.

import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { CanonicalEvent } from '../src/domain/event.js';
import { sealEvents } from '@stele/integrity';
import { EVENT_INSERT_COLUMNS, type RowValue } from '../src/store/event-rows.js';
import type { SealedBatch, Sealer } from '../src/store/port.js';
import { numbered } from '../src/store/postgres/postgres-store.js';
import { sealedEventRow } from '../src/store/row-values.js';
import { openTestStore, type Engine, type TestStore } from '../src/store/testing/test-stores.js';
import { withBenchServer } from './lib/bench-server.js';
import { loadClient } from './lib/load-client.js';
import { postEvents } from './lib/post-events.js';
import { clientEvent, pending, syntheticEvent } from './lib/seed.js';
import { cpuSeconds, rate, ratio, round } from './lib/stats.js';

const ZERO = new Uint8Array(32);

// Writes the same rows with constant hashes and no Merkle nodes: the store's cost without integrity.
const noIntegrity: Sealer = (head, events): SealedBatch => ({
  events: events.map((event) => ({ event, leafHash: ZERO, chainHash: ZERO })),
  nodes: [],
  head: { size: head.size + events.length, chainHash: ZERO, border: [] },
});

export interface HttpIngestOptions {
  /** Each event carries an id of the sender's, as the SDK's do, which the server then fingerprints and looks up. */
  clientIds?: boolean;
  /** Options for the server's node (bench/ingest-profile.ts profiles it with --cpu-prof). */
  serverNodeArgs?: string[];
  /** Told when the load began and ended (process.hrtime, µs), to cut a server profile to it. */
  onLoad?: (window: { fromUs: number; toUs: number }) => void;
  /**
   * Events sent first, in the same shape, and not measured: the server's JIT and connections
   * warmed up, as a server that has been running has them.
   */
  warmupEvents?: number;
}

/**
 * The server's own HTTP ingest: pre-built bodies of `batchSize` events (a bare object when 1),
 * `concurrency` requests at once, each on a connection of its own. Besides the rate, the server
 * process's CPU time per event: the steadier measure on a shared machine.
 */
export async function httpIngest(db: TestStore, total: number, batchSize: number, concurrency: number, options: HttpIngestOptions = {}) {
  return withBenchServer(db, async ({ url, key, pid }) => {
    const requests = Math.ceil(total / batchSize);
    const warmup = Math.ceil((options.warmupEvents ?? 0) / batchSize);
    // The warm-up's events come after the measured ones in the synthetic log (other ids).
    const bodyOf = (r: number) => {
      const events = Array.from({ length: batchSize }, (_, k) => clientEvent(r * batchSize + k, total + warmup * batchSize, { withId: options.clientIds === true }));
      return JSON.stringify(batchSize === 1 ? events[0] : events);
    };
    const bodies = Array.from({ length: requests }, (_, r) => bodyOf(r));
    const client = loadClient(url, concurrency);
    await postEvents(url, key, Array.from({ length: warmup }, (_, r) => bodyOf(requests + r)), concurrency);
    let next = 0;
    const cpuBefore = cpuSeconds(pid);
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const measured = await rate(async () => {
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          const answer = await client.post('/v1/events', bodies[next++]!, { authorization: `Bearer ${key}` });
          if (answer.status !== 201) throw new Error(`ingest answered ${answer.status}: ${answer.text}`);
        }
      }));
      return requests * batchSize;
    }).finally(() => client.close());
    options.onLoad?.({ fromUs, toUs: Number(process.hrtime.bigint() / 1000n) });
    return { ...measured, server_cpu_us_per_event: round(((cpuSeconds(pid) - cpuBefore) * 1e6) / measured.count, 1) };
  }, undefined, options.serverNodeArgs);
}

/**
 * Latency of acknowledged single-event requests at a steady `perSecond`, over at most
 * `connections` connections as an application's HTTP client pool would (open loop: each request
 * is due at its time whether or not earlier ones were answered, waits for a free connection if
 * need be, and its latency counts from when it was due, so a server that falls behind shows it
 * rather than slowing the sender down). The client is a fresh process (lib/latency-client.ts).
 * The first `warmupSeconds` are sent but not counted: a freshly started server and client fall
 * about half a second behind in their first two to three seconds (opening 64 connections, JIT,
 * modules tsx compiles on first use; measured second by second, 2026-12-06) and then keep up.
 */
export async function httpLatencyAt(db: TestStore, perSecond: number, seconds: number, connections: number, warmupSeconds = 5) {
  return withBenchServer(db, async ({ url, key }) => {
    // The server warmed up as the throughput phases' are, so 80% is of what the same server takes.
    await postEvents(url, key, Array.from({ length: WARMUP_EVENTS }, (_, i) => JSON.stringify(clientEvent(i, WARMUP_EVENTS))), connections);
    const args = JSON.stringify({ url, key, perSecond, seconds, connections, warmupSeconds });
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/latency-client.ts', args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (data: Buffer) => (out += data.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the latency client exited with ${code}`);
    const measured = JSON.parse(out) as { events: number; p50_ms: number; p99_ms: number; max_ms: number };
    return { events_per_second: perSecond, connections, ...measured };
  });
}

/** The synthetic log's first n events as sealed rows of `tenantId`, ready for the driver. */
export function rowsFor(n: number, tenantId = 'bare'): RowValue[][] {
  const events: CanonicalEvent[] = Array.from({ length: n }, (_, i) => ({ ...syntheticEvent(i, n, Date.now()), tenant_id: tenantId, seq: i + 1 }));
  const sealed = sealEvents({ size: 0, chainHash: new Uint8Array(32), border: [] }, events);
  return sealed.events.map((s) => sealedEventRow(s, ZERO));
}

/** The raw limit: the same rows into the same table and indexes, straight through the driver, 1,000 per transaction. */
export async function bareInsert(db: TestStore, rows: RowValue[][]) {
  const columns = EVENT_INSERT_COLUMNS.join(', ');
  const toDriver = (v: RowValue) => (v instanceof Uint8Array ? Buffer.from(v) : v);
  // SQLite: a connection of its own with the store's durability (WAL, synchronous = FULL), the
  // INSERT prepared once, as the fastest honest use of better-sqlite3 would write it.
  const sqlite = db.name === 'sqlite' ? new Database(db.location.sqliteFile!) : undefined;
  sqlite?.pragma('synchronous = FULL');
  const statement = sqlite?.prepare(`INSERT INTO events (${columns}) VALUES (${EVENT_INSERT_COLUMNS.map(() => '?').join(', ')})`);
  const sqliteInsert = sqlite && statement && sqlite.transaction((chunk: unknown[][]) => { for (const row of chunk) statement.run(...row); });
  try {
    return await rate(async () => {
      for (let from = 0; from < rows.length; from += 1000) {
        const chunk = rows.slice(from, from + 1000);
        if (sqliteInsert) {
          sqliteInsert(chunk.map((row) => row.map(toDriver)));
        } else {
          await db.raw('BEGIN');
          for (let k = 0; k < chunk.length; k += 500) {
            const part = chunk.slice(k, k + 500);
            const values = part.map((row) => `(${row.map((_, c) => (EVENT_INSERT_COLUMNS[c] === 'details' ? '?::jsonb' : '?')).join(', ')})`).join(', ');
            await db.raw(`INSERT INTO events (${columns}) VALUES ${values}`, part.flat().map(toDriver));
          }
          await db.raw('COMMIT');
        }
      }
      return rows.length;
    });
  } finally {
    sqlite?.close();
  }
}

// A value as COPY's text format writes it: \N for NULL, bytea as \\x and hex digits, text with backslash,
// tab, newline and carriage return escaped.
function copyText(value: RowValue): string {
  if (value === null) return '\\N';
  if (value instanceof Uint8Array) return `\\\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'number') return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

/** PostgreSQL's raw limit the issue names: the same rows by COPY FROM STDIN (text format), one COPY and transaction per 1,000. */
async function bareCopy(db: TestStore, rows: RowValue[][]) {
  const client = new pg.Client({ connectionString: db.location.databaseUrl, options: `-c search_path=${db.location.pgSchema}` });
  await client.connect();
  try {
    return await rate(async () => {
      for (let from = 0; from < rows.length; from += 1000) {
        const text = rows.slice(from, from + 1000).map((row) => `${row.map(copyText).join('\t')}\n`).join('');
        const stream = client.query(copyStreams.from(`COPY events (${EVENT_INSERT_COLUMNS.join(', ')}) FROM STDIN`));
        await pipeline(Readable.from([text]), stream);
      }
      return rows.length;
    });
  } finally {
    await client.end();
  }
}

type Rate = Awaited<ReturnType<typeof rate>>;

// Issue 22's shapes: batches of 100 eight at a time; single events from 64 connections, as an
// app that audits every API call sends them.
const BATCHED_CONCURRENCY = 8;
// Sent before each HTTP phase (throughput and latency), not measured: each phase has a fresh
// server, and a fresh server's first seconds go to V8 compiling its code. Measured 2026-12-07
// without and with it: single events 2,792 → 5,411/s on SQLite (383.5 → 168.5 µs of server CPU
// each), 2,739 → 4,973/s on PostgreSQL; batches 10,321 → 13,445/s and 11,092 → 14,605/s.
const WARMUP_EVENTS = 10_000;
const SINGLE_CONCURRENCY = 64;
const median = (rates: Rate[]): Rate => rates.slice().sort((a, b) => a.per_second - b.per_second)[Math.floor(rates.length / 2)]!;

async function portAppend(engine: Engine, n: number, seal: Sealer) {
  const db = await openTestStore(engine);
  try {
    await db.store.createTenant({ id: 'port', name: 'port', created_at: new Date().toISOString() });
    return await rate(async () => {
      for (let from = 0; from < n; from += 100) {
        await db.store.appendEvents('port', Array.from({ length: 100 }, (_, k) => pending(syntheticEvent(from + k, n, Date.now()))), seal);
      }
      return n;
    });
  } finally {
    await db.close();
  }
}

export async function runIngestBench(opts: { engines: Engine[]; events: number; log: (line: string) => void }) {
  const results = [];
  for (const engine of opts.engines) {
    opts.log(`ingest on ${engine}`);
    const bareDb = await openTestStore(engine);
    // better-sqlite3 runs SQLite statements synchronously, so the raw helper is the bare driver.
    const rows = rowsFor(opts.events);
    const bare = await bareInsert(bareDb, rows);
    await bareDb.close();
    opts.log(`  bare driver insert: ${bare.per_second}/s`);
    let copy: Rate | undefined;
    if (engine === 'postgres') {
      const copyDb = await openTestStore(engine);
      copy = await bareCopy(copyDb, rows);
      await copyDb.close();
      opts.log(`  bare COPY: ${copy.per_second}/s`);
    }
    const batchedDb = await openTestStore(engine);
    const batched = await httpIngest(batchedDb, opts.events, 100, BATCHED_CONCURRENCY, { warmupEvents: WARMUP_EVENTS });
    await batchedDb.close();
    opts.log(`  HTTP batches of 100: ${batched.per_second}/s (${batched.server_cpu_us_per_event} µs of server CPU an event)`);
    const singleDb = await openTestStore(engine);
    const single = await httpIngest(singleDb, Math.min(opts.events, 20_000), 1, SINGLE_CONCURRENCY, { warmupEvents: WARMUP_EVENTS });
    await singleDb.close();
    opts.log(`  HTTP single events: ${single.per_second}/s (${single.server_cpu_us_per_event} µs of server CPU an event)`);
    const latencyDb = await openTestStore(engine);
    const latency = await httpLatencyAt(latencyDb, Math.round(single.per_second * 0.8), 10, SINGLE_CONCURRENCY);
    await latencyDb.close();
    opts.log(`  single events at 80% of that rate: p50 ${latency.p50_ms} ms, p99 ${latency.p99_ms} ms`);
    // Alternating rounds, median of each side: a single pair swings by ±10% on a shared machine,
    // as much as the cost being measured.
    const rounds: { with: Rate[]; without: Rate[] } = { with: [], without: [] };
    for (let round = 0; round < 3; round++) {
      rounds.with.push(await portAppend(engine, Math.min(opts.events, 30_000), sealEvents));
      rounds.without.push(await portAppend(engine, Math.min(opts.events, 30_000), noIntegrity));
    }
    const withIntegrity = median(rounds.with);
    const withoutIntegrity = median(rounds.without);
    opts.log(`  port append with integrity ${withIntegrity.per_second}/s, without ${withoutIntegrity.per_second}/s`);
    results.push({
      engine,
      bare_insert_tx1000: bare,
      ...(copy && { bare_copy_tx1000: copy }),
      http_batches_of_100: {
        ...batched, concurrency: BATCHED_CONCURRENCY, ratio_to_bare: ratio(batched.per_second, bare.per_second),
        ...(copy && { ratio_to_copy: ratio(batched.per_second, copy.per_second) }),
      },
      http_single_events: {
        ...single, concurrency: SINGLE_CONCURRENCY,
        ratio_to_bare: ratio(single.per_second, bare.per_second), ratio_to_batched: ratio(single.per_second, batched.per_second),
        latency_at_80_percent: latency,
      },
      integrity_cost: {
        append_with_integrity: withIntegrity,
        append_without_integrity: withoutIntegrity,
        overhead: ratio(withoutIntegrity.per_second - withIntegrity.per_second, withoutIntegrity.per_second),
      },
    });
  }
  return { benchmark: 'ingest', events: opts.events, results };
}
