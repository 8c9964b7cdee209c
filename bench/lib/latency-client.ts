// The open-loop client of the ingest benchmark's latency phase, in a process of its own (as an
// application's would be): run in the benchmark's own process after its throughput phases, the
// same load read a p99 four times as high (the client's leftovers from 120,000 requests, not
// the server, measured 2026-12-06: 182 ms there, 42 ms from a fresh process).
//
// Argument: JSON {url, key, perSecond, seconds, connections, warmupSeconds}. Prints JSON
// {events, p50_ms, p99_ms, max_ms} of the requests due after the warm-up.

import { loadClient } from './load-client.js';
import { clientEvent } from './seed.js';
import { percentile, round } from './stats.js';

const { url, key, perSecond, seconds, connections, warmupSeconds } = JSON.parse(process.argv[2]!) as {
  url: string; key: string; perSecond: number; seconds: number; connections: number; warmupSeconds: number;
};
const warmup = Math.round(perSecond * warmupSeconds);
const total = warmup + Math.max(1, Math.round(perSecond * seconds));
const bodies = Array.from({ length: total }, (_, i) => JSON.stringify(clientEvent(i, total)));
const latencies: number[] = [];
const client = loadClient(url, connections);
const start = performance.now();
const dueAt = (i: number) => start + (i * 1000) / perSecond;
let next = 0;
await Promise.all(Array.from({ length: connections }, async () => {
  while (next < total) {
    const i = next++;
    const wait = dueAt(i) - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const answer = await client.post('/v1/events', bodies[i]!, { authorization: `Bearer ${key}` });
    if (answer.status !== 201) throw new Error(`ingest answered ${answer.status}`);
    if (i >= warmup) latencies.push(performance.now() - dueAt(i));
  }
}));
client.close();
latencies.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({
  events: latencies.length, p50_ms: round(percentile(latencies, 50), 1), p99_ms: round(percentile(latencies, 99), 1), max_ms: round(latencies.at(-1)!, 1),
}));
