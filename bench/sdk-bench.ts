// The SDK (issue 20), next to the limits measured in the same run:
// - what one record() call costs the application, against a call of an empty function with the
//   same argument (target: at most 2 µs more); batches are serialised and sent on later turns of
//   the event loop, so their cost is reported apart, as the client's CPU time per event delivered;
// - the rate one SDK client (record() one event at a time, the SDK batching and retrying)
//   sustains into one Stele server, as a share of the server's own batched HTTP ingest rate
//   (pre-built batches of 100, 8 requests at once) on a fresh store of the same engine
//   (target: at least 90%). The SDK gives every event a client id, so that a resend is stored
//   once, and the server fingerprints and looks up each such id: the share is taken of the
//   server's rate for the same events with ids, and shown too against events without (the
//   Ingest table's kind), whose difference is the server's cost of idempotency.

import { createAuditClient, type AuditEvent } from '@stele/sdk';
import { openTestStore, type Engine } from '../src/store/testing/test-stores.js';
import { withBenchServer } from './lib/bench-server.js';
import { httpIngest } from './ingest-bench.js';
import { syntheticEvent } from './lib/seed.js';
import { rate, ratio, round } from './lib/stats.js';

/** Events as an application records them: no server fields, no client id (the SDK makes one). */
function applicationEvents(n: number): AuditEvent[] {
  const end = Date.now() - 60_000;
  return Array.from({ length: n }, (_, i) => {
    const { id: _id, category: _category, received_at: _received, occurred_at: _occurred, ...event } = syntheticEvent(i, n, end);
    return event;
  });
}

let sink: unknown;
/** The baseline: a function that does nothing with the event but keep it (so the call is not optimised away). */
function emptyCall(event: AuditEvent): void {
  sink = event;
}

/** ns per call of `call` over `events`, the median of `rounds` runs. */
function perCall(events: readonly AuditEvent[], call: (event: AuditEvent) => unknown): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < events.length; i++) call(events[i]!);
  return Number(process.hrtime.bigint() - start) / events.length;
}

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function recordCallCost(engine: Engine, calls: number, log: (line: string) => void) {
  const db = await openTestStore(engine);
  try {
    return await withBenchServer(db, async ({ url, key }) => {
      const events = applicationEvents(calls);
      const record: number[] = [];
      const empty: number[] = [];
      // Alternating rounds after a warm-up one, median of each: a single pair swings on a shared machine.
      for (let round_ = 0; round_ < 6; round_++) {
        const audit = createAuditClient({ url, apiKey: key, maxBufferedEvents: calls, flushIntervalMs: 50, onError: () => {} });
        const recorded = perCall(events, (event) => audit.record(event));
        const baseline = perCall(events, emptyCall);
        await audit.close();
        if (round_ === 0) continue;
        record.push(recorded);
        empty.push(baseline);
      }
      void sink;
      const result = { calls, record_ns: round(median(record), 1), empty_call_ns: round(median(empty), 1) };
      log(`  record(): ${result.record_ns} ns a call, an empty function ${result.empty_call_ns} ns`);
      return { ...result, overhead_ns: round(result.record_ns - result.empty_call_ns, 1) };
    });
  } finally {
    await db.close();
  }
}

async function sdkRate(engine: Engine, total: number) {
  const db = await openTestStore(engine);
  try {
    return await withBenchServer(db, async ({ url, key }) => {
      const events = applicationEvents(total);
      const audit = createAuditClient({ url, apiKey: key, onBufferFull: 'block', onError: () => {} });
      const cpuBefore = process.cpuUsage();
      const measured = await rate(async () => {
        for (const event of events) {
          const waiting = audit.record(event);
          if (waiting) await waiting;
        }
        await audit.flush();
        return total;
      });
      const cpu = process.cpuUsage(cpuBefore);
      const { delivered, rejected } = audit.stats();
      await audit.close();
      if (delivered !== total || rejected !== 0) throw new Error(`the SDK delivered ${delivered} of ${total} events (${rejected} refused)`);
      return { ...measured, client_cpu_ns_per_event: Math.round(((cpu.user + cpu.system) * 1000) / total) };
    });
  } finally {
    await db.close();
  }
}

export async function runSdkBench(opts: { engines: Engine[]; events: number; log: (line: string) => void }) {
  opts.log('sdk: record() call cost');
  const recordCall = await recordCallCost(opts.engines[0]!, 200_000, opts.log);
  const results = [];
  for (const engine of opts.engines) {
    opts.log(`sdk on ${engine}`);
    const serverRate = async (clientIds: boolean) => {
      const db = await openTestStore(engine);
      return httpIngest(db, opts.events, 100, 8, { clientIds }).finally(() => db.close());
    };
    const withIds = await serverRate(true);
    opts.log(`  the server's batched HTTP ingest (100 a request, 8 at once), events with client ids: ${withIds.per_second}/s`);
    const sdk = await sdkRate(engine, opts.events);
    opts.log(`  one SDK client: ${sdk.per_second}/s (${sdk.client_cpu_ns_per_event} ns of client CPU an event)`);
    const withoutIds = await serverRate(false);
    opts.log(`  the same without client ids: ${withoutIds.per_second}/s`);
    results.push({
      engine,
      server_batched_http: { ...withIds, batch_size: 100, concurrency: 8, client_ids: true },
      server_batched_http_without_ids: { ...withoutIds, batch_size: 100, concurrency: 8 },
      sdk_client: sdk,
      ratio: ratio(sdk.per_second, withIds.per_second),
      ratio_to_without_ids: ratio(sdk.per_second, withoutIds.per_second),
    });
  }
  return { benchmark: 'sdk', events: opts.events, record_call: recordCall, results };
}
