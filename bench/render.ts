// Turns benchmark results into the Markdown tables shown in README.md.

type Rate = { per_second: number; count: number };
/** A streams-bench ingest turn; the CPU figures are absent from runs before 2026-12-06. */
type StreamTurn = Rate & { cpu_us_per_event?: { server: number; postgres: number; receivers: number; client: number; machine: number }; idle_share?: number };
type Lat = { p50_ms: number; p99_ms: number };

type Run = { machine?: { date: string } };

interface Results {
  ingest: Run & { events: number; results: { engine: string; bare_insert_tx1000: Rate; bare_copy_tx1000?: Rate; http_batches_of_100: Rate & { ratio_to_bare: number; ratio_to_copy?: number; concurrency?: number; server_cpu_us_per_event?: number }; http_single_events: Rate & { ratio_to_bare: number; ratio_to_batched?: number; concurrency?: number; server_cpu_us_per_event?: number; latency_at_80_percent?: { events_per_second: number; p50_ms: number; p99_ms: number; max_ms: number } }; integrity_cost: { append_with_integrity: Rate; append_without_integrity: Rate; overhead: number } }[] };
  'read-integrity-export': Run & { events: number; stores: { engine: string; read: { filtered_first_page: { filter: string; service: Lat; bare_sql: Lat }[]; verification: Rate & { bare_read_and_hash?: Rate; ratio_to_bare?: number; hashing_only_one_thread?: number; ratio_to_hashing_only?: number; native?: boolean }; inclusion_proof: Lat; consistency_proof: Lat; bare_point_read?: Lat }; export: { bare_csv: Rate; csv: Rate & { ratio_to_bare_csv: number; rss_before_mb: number; rss_peak_mb: number }; ndjson: Rate & { ratio_to_bare_csv: number; rss_before_mb: number; rss_peak_mb: number } } }[] };
  search: Run & { stores: { engine: string; queries: { name: string; q: string; rows: number; service: Lat; hand_sql: Lat }[] }[] };
  reports?: Run & { events: number; window_days: number; stores: {
    engine: string; window_events: number;
    histogram: { service: Lat; bare: Lat; ratio_p50: number; buckets: number; interval: string };
    top: { service: Lat; bare: Lat; ratio_p50: number };
    reports: { type: string; format: string; seconds: number; rss_before_mb: number; rss_peak_mb: number }[];
    soc2: { seconds: number; rss_before_mb: number; rss_peak_mb: number; events: number; zip_mb: number };
  }[] };
  sdk?: Run & {
    events: number;
    record_call: { calls: number; record_ns: number; empty_call_ns: number; overhead_ns: number };
    results: { engine: string; server_batched_http: Rate; server_batched_http_without_ids: Rate; sdk_client: Rate & { client_cpu_ns_per_event: number }; ratio: number; ratio_to_without_ids: number }[];
  };
  streams?: Run & { results: {
    engine: string; events: number;
    throughput: Record<string, { stream: Rate; raw: Rate; ratio: number }>;
    latency_at_1000_per_second: { events_per_second: number; events: number; p50_ms: number; p99_ms: number; max_ms: number };
    ingest_with_streams: { none: StreamTurn; five_streams: StreamTurn; ratio: number; catch_up_seconds_after: number };
  }[] };
  alerts?: Run & { results: {
    engine: string; events_per_turn: number; rules: number; alerts_fired: number;
    ingest: { none: Rate; twenty_rules: Rate; ratio: number; cost: number; paired_cost?: number; cpu_us_per_event: { none: number; twenty_rules: number; cost: number }; turns: { caught_up_ms: number[] } };
    ack_to_webhook: { events_per_second: number; alerts: number; p50_ms: number; p99_ms: number; max_ms: number };
  }[] };
  retention?: Run & { events: number; results: (Measured & {
    engine: string; events: number; expired: number;
    purge: { seconds: number; purged: number; per_second: number; records: number; content_bytes_freed: number };
    raw_forget: Rate & { content_bytes_freed: number; space_before: Space; space_after: Space }; purge_vs_raw: number;
    ingest: { alone: Rate; during_purge: Rate; share: number };
    verify: { intact: Rate; with_purged_ranges: Rate; ratio: number };
  })[] };
  scale?: ScaleResults;
}

type Measured = { measured_at?: string };

/** bench/scale-bench.ts's results. */
export type ScaleResults = Run & { max: number; results: (Measured & { engine: string; tenants: number; steps: {
  total_events: number; tenant_events: number;
  ingest: Rate & { bare_insert: Rate; ratio_to_bare: number };
  read: { filtered_first_page: { filter: string; service: Lat; bare_sql: Lat }[]; verification: Rate & { bare_read_and_hash?: Rate; ratio_to_bare?: number }; inclusion_proof: Lat; consistency_proof: Lat; bare_point_read?: Lat };
  export: { bare_csv: Rate; csv: Rate & { ratio_to_bare_csv: number }; ndjson: Rate & { ratio_to_bare_csv: number } };
}[] })[] };

/** The scale benchmark's curves for bench/lib/plot.ts: one chart per measure, a line per engine. */
export function scaleCurves(scale: ScaleResults) {
  const curve = (title: string, value: (step: ScaleResults['results'][number]['steps'][number]) => number) => ({
    title, lines: scale.results.map((r) => ({ engine: r.engine, points: r.steps.map((s): [number, number] => [s.total_events, value(s)]) })),
  });
  const worstPage = (s: ScaleResults['results'][number]['steps'][number]) => Math.max(...s.read.filtered_first_page.map((f) => f.service.p99_ms));
  return [
    curve('ingest through the store port, events/s', (s) => s.ingest.per_second),
    curve('filtered first page, slowest filter p99, ms', worstPage),
    curve('export NDJSON over HTTP, rows/s', (s) => s.export.ndjson.per_second),
    curve('verification, events/s', (s) => s.read.verification.per_second),
    curve('inclusion proof p99, ms', (s) => s.read.inclusion_proof.p99_ms),
    curve('consistency proof p99, ms', (s) => s.read.consistency_proof.p99_ms),
  ];
}

type Space = { payload_bytes?: number; table_bytes?: number; free_bytes?: number };
const mb = (bytes: number | undefined) => (bytes === undefined ? '—' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const pct = (x: number) => `${Math.round(x * 100)}%`;
const n = (x: number) => x.toLocaleString('en-US');
// Benchmarks can be re-run one at a time (`--only`), so each section says when it ran.
/** An engine's name, with the day it was measured when its benchmark's engines were run apart (--engines). */
const engineLabel = (x: { engine: string; measured_at?: string }) => `${x.engine}${x.measured_at ? ` (${x.measured_at.slice(0, 10)})` : ''}`;
const ran = (run: Run) => (run.machine ? `, run ${run.machine.date.slice(0, 16).replace('T', ' ')} UTC` : '');

export function renderMarkdown(r: Results, machine: { node: string; cpus: number; date: string }): string {
  const out: string[] = [
    `Measured ${machine.date.slice(0, 10)} on ${machine.cpus} cores, Node ${machine.node}. Raw files: \`bench/results/*.json\`. `
      + 'Server processes run the compiled build (`dist/`, what `npm start` runs) in the runs of 2026-12-07 evening on; tables measured before then (each says when it ran) ran the sources through tsx.',
    '',
  ];
  out.push(`**Ingest** (${n(r.ingest.events)} events; bare = the same rows and indexes through the driver, 1,000 per transaction (PostgreSQL: multi-row INSERTs, and COPY); server CPU/event = the server process's CPU time over the events it took${ran(r.ingest)})`, '');
  const single = r.ingest.results[0]?.http_single_events;
  const cpu = (x: { server_cpu_us_per_event?: number }) => (x.server_cpu_us_per_event === undefined ? '—' : `${x.server_cpu_us_per_event} µs`);
  out.push(table(['store', 'bare insert/s', 'HTTP batches of 100/s', 'ratio', 'server CPU/event', `HTTP single events/s${single?.concurrency ? ` (${single.concurrency} connections)` : ''}`, 'ratio', 'of batched', 'server CPU/event', 'integrity overhead at the port'],
    r.ingest.results.map((x) => [x.engine, `${n(x.bare_insert_tx1000.per_second)}${x.bare_copy_tx1000 ? ` (COPY ${n(x.bare_copy_tx1000.per_second)})` : ''}`, n(x.http_batches_of_100.per_second),
      `${pct(x.http_batches_of_100.ratio_to_bare)}${x.http_batches_of_100.ratio_to_copy === undefined ? '' : ` (of COPY ${pct(x.http_batches_of_100.ratio_to_copy)})`}`, cpu(x.http_batches_of_100),
      n(x.http_single_events.per_second), pct(x.http_single_events.ratio_to_bare),
      x.http_single_events.ratio_to_batched === undefined ? '—' : pct(x.http_single_events.ratio_to_batched), cpu(x.http_single_events), pct(x.integrity_cost.overhead)])));
  const latencies = r.ingest.results.filter((x) => x.http_single_events.latency_at_80_percent);
  if (latencies.length > 0) {
    out.push('', `Single events sent at a steady 80% of that rate (open loop, from a client process of its own, 64 connections; 10 s measured after 5 s of warm-up, the first seconds of a fresh server and client): ${latencies.map((x) => {
      const l = x.http_single_events.latency_at_80_percent!;
      return `${x.engine} ${n(l.events_per_second)}/s, p50 ${l.p50_ms} ms, p99 ${l.p99_ms} ms, max ${l.max_ms} ms`;
    }).join('; ')}.`);
  }
  const store = r['read-integrity-export'];
  out.push('', `**Filtered first page of 100** at ${n(store.events)} events (query service vs the bare SQL on the same data${ran(store)})`, '');
  out.push(table(['store', 'filter', 'p50', 'p99', 'bare p50', 'bare p99'],
    store.stores.flatMap((s) => s.read.filtered_first_page.map((f) => [s.engine, f.filter, `${f.service.p50_ms} ms`, `${f.service.p99_ms} ms`, `${f.bare_sql.p50_ms} ms`, `${f.bare_sql.p99_ms} ms`]))));
  out.push('', `**Integrity** at ${n(store.events)} events (bare = the same rows read through the driver in pages of 1,000 and hashed once; hashing alone = the verifier's own SHA-256s of each event (leaf, chain, tree), over canonical texts in memory, one thread; proofs over 1,000 requests each, bare point read = one event's leaf hash by id through the driver, one round trip${ran(store)})`, '');
  out.push(table(['store', 'verification events/s', 'bare read + 1 hash/row (ratio)', 'hashing alone, one thread (ratio)', 'inclusion proof p50 / p99', 'consistency proof p50 / p99', 'bare point read p50 / p99'],
    store.stores.map((s) => {
      const v = s.read.verification;
      return [s.engine, n(v.per_second), v.bare_read_and_hash ? `${n(v.bare_read_and_hash.per_second)} (${v.ratio_to_bare})` : '–',
        v.hashing_only_one_thread ? `${n(v.hashing_only_one_thread)} ${v.native === undefined ? '' : v.native ? 'native ' : 'JavaScript '}(${v.ratio_to_hashing_only})` : '–',
        `${s.read.inclusion_proof.p50_ms} / ${s.read.inclusion_proof.p99_ms} ms`, `${s.read.consistency_proof.p50_ms} / ${s.read.consistency_proof.p99_ms} ms`,
        s.read.bare_point_read ? `${s.read.bare_point_read.p50_ms} / ${s.read.bare_point_read.p99_ms} ms` : '–'];
    })));
  out.push('', `**Export** of ${n(store.events)} events over HTTP (bare = better-sqlite3 iterate() building the same CSV / PostgreSQL COPY TO STDOUT CSV${ran(store)})`, '');
  out.push(table(['store', 'bare CSV rows/s', 'CSV rows/s', 'ratio', 'NDJSON rows/s', 'ratio', 'server RSS before → peak (CSV / NDJSON, fresh server each)'],
    store.stores.map((s) => [s.engine, n(s.export.bare_csv.per_second), n(s.export.csv.per_second), pct(s.export.csv.ratio_to_bare_csv), n(s.export.ndjson.per_second), pct(s.export.ndjson.ratio_to_bare_csv),
      `${s.export.csv.rss_before_mb} → ${s.export.csv.rss_peak_mb} / ${s.export.ndjson.rss_before_mb} → ${s.export.ndjson.rss_peak_mb} MB`])));
  out.push('', `**Search language**: first page of 100 (service vs hand-written SQL${ran(r.search)})`, '');
  out.push(table(['store', 'query', 'rows', 'p50', 'p99', 'hand SQL p50', 'hand SQL p99'],
    r.search.stores.flatMap((s) => s.queries.map((q) => [s.engine, `\`${q.q}\``, q.rows, `${q.service.p50_ms} ms`, `${q.service.p99_ms} ms`, `${q.hand_sql.p50_ms} ms`, `${q.hand_sql.p99_ms} ms`]))));
  const reports = r.reports;
  if (reports) {
    out.push('', `**Activity and reports**: a ${reports.window_days}-day window of ${n(reports.events)} events (service vs the same GROUP BY written by hand, ${reports.stores.map((s) => `${s.engine} ${n(s.window_events)} events in the window`).join(', ')}${ran(reports)})`, '');
    out.push(table(['store', 'query', 'p50', 'p99', 'bare p50', 'bare p99', 'ratio (p50)'],
      reports.stores.flatMap((s) => [
        [s.engine, `histogram (${s.histogram.buckets} bars of ${s.histogram.interval})`, `${s.histogram.service.p50_ms} ms`, `${s.histogram.service.p99_ms} ms`, `${s.histogram.bare.p50_ms} ms`, `${s.histogram.bare.p99_ms} ms`, s.histogram.ratio_p50],
        [s.engine, 'top 10 actors', `${s.top.service.p50_ms} ms`, `${s.top.service.p99_ms} ms`, `${s.top.bare.p50_ms} ms`, `${s.top.bare.p99_ms} ms`, s.top.ratio_p50],
      ])));
    out.push('', 'Each report (PDF) and the SOC 2 package of the same window: seconds, and the process\'s RSS before → at its peak', '');
    const types = reports.stores[0]?.reports.map((x) => x.type) ?? [];
    out.push(table(['store', ...types, 'SOC 2 package'],
      reports.stores.map((s) => [s.engine, ...s.reports.map((x) => `${x.seconds} s (${x.rss_before_mb} → ${x.rss_peak_mb} MB)`),
        `${s.soc2.seconds} s (${s.soc2.rss_before_mb} → ${s.soc2.rss_peak_mb} MB; ${n(s.soc2.events)} events, ${s.soc2.zip_mb} MB zip)`])));
  }
  if (r.sdk) {
    const call = r.sdk.record_call;
    out.push('', `**SDK**: one \`record()\` call costs ${call.record_ns} ns against ${call.empty_call_ns} ns for an empty function call with the same event (${call.overhead_ns} ns more, target ≤ 2,000 ns; median of 5 runs of ${n(call.calls)} calls). One SDK client sending ${n(r.sdk.events)} events into one server, against the server's own batched HTTP ingest (pre-built batches of 100, 8 at once) of the same events with client ids, as the SDK sends them, and without (the server's cost of idempotency), each on a fresh store${ran(r.sdk)}`, '');
    out.push(table(['store', 'server batched HTTP, client ids, events/s', 'one SDK client events/s', 'ratio (target ≥ 90%)', 'server batched HTTP, no ids, events/s', 'ratio', 'client CPU per event'],
      r.sdk.results.map((x) => [x.engine, n(x.server_batched_http.per_second), n(x.sdk_client.per_second), pct(x.ratio), n(x.server_batched_http_without_ids.per_second), pct(x.ratio_to_without_ids), `${n(x.sdk_client.client_cpu_ns_per_event)} ns`])));
  }
  if (r.streams) {
    const st = r.streams;
    out.push('', `**Streams**: one stream's delivery of ${n(st.results[0]?.events ?? 0)} events from a server process to a receiver on loopback (raw = the same events, already encoded, pushed by the benchmark straight to the same receiver one request at a time); latency from ingest acknowledgement to receipt at a steady 1,000 events/s; ingest in batches of 100, 4 at a time, into the tenant with 5 active webhook streams vs into another tenant of the same server without streams (median of three turns each, taken alternately, each once the streams had caught up; CPU per event: the server process's, and the whole machine's — server, PostgreSQL, the receivers, the benchmark's client — over the events ingested in the turn)${ran(st)}. Targets: ≥ 20,000 events/s per stream, p99 ≤ 1 s, ≥ 80%.`, '');
    out.push(table(['store', 'destination', 'stream events/s', 'raw events/s', 'ratio'],
      st.results.flatMap((x) => Object.entries(x.throughput).map(([name, t]) => [x.engine, name, n(t.stream.per_second), n(t.raw.per_second), pct(t.ratio)]))));
    const cpu = (turn: StreamTurn, part: 'server' | 'machine') => (turn.cpu_us_per_event ? `${turn.cpu_us_per_event[part]} µs` : '—');
    out.push('', table(['store', 'latency p50', 'p99', 'max', 'ingest/s, no stream', 'with 5 streams', 'ratio', 'server CPU/event, no stream → 5', 'machine CPU/event, no stream → 5', '5 streams caught up after'],
      st.results.map((x) => [x.engine, `${x.latency_at_1000_per_second.p50_ms} ms`, `${x.latency_at_1000_per_second.p99_ms} ms`, `${x.latency_at_1000_per_second.max_ms} ms`,
        n(x.ingest_with_streams.none.per_second), n(x.ingest_with_streams.five_streams.per_second), pct(x.ingest_with_streams.ratio),
        `${cpu(x.ingest_with_streams.none, 'server')} → ${cpu(x.ingest_with_streams.five_streams, 'server')}`,
        `${cpu(x.ingest_with_streams.none, 'machine')} → ${cpu(x.ingest_with_streams.five_streams, 'machine')}`,
        `${x.ingest_with_streams.catch_up_seconds_after} s`])));
  }
  if (r.alerts) {
    const al = r.alerts;
    out.push('', `**Alerts**: ingest in batches of 100, 4 at a time, of ${n(al.results[0]?.events_per_turn ?? 0)} events a turn, with 20 enabled rules of every kind (the seven templates and thirteen more: thresholds, distinct counts, first-seen values, any-match, a schedule) vs the same into a tenant of the same server without rules (median of five turns each, taken alternately; and the median of the five pairs' costs, each turn with rules against the turn without them just before it, which the machine's drift within a run moves less), as throughput and as the server process's CPU time per event (the evaluation it owes included; the steadier measure on a shared machine); evaluation caught up = a sentinel event's alert at the webhook after a turn with rules; acknowledgement of a firing event → its webhook notification at a steady 1,000 events/s with the rules on${ran(al)}. Targets: cost < 10%, p99 ≤ 1 s.`, '');
    out.push(table(['store', 'ingest/s, no rules', 'with 20 rules', 'cost', 'cost, turn by turn', 'CPU/event, no rules', 'with 20 rules', 'cost', 'caught up after', 'ack → webhook p50', 'p99', 'max', 'alerts fired'],
      al.results.map((x) => [x.engine, n(x.ingest.none.per_second), n(x.ingest.twenty_rules.per_second), pct(x.ingest.cost), x.ingest.paired_cost === undefined ? '—' : pct(x.ingest.paired_cost),
        `${x.ingest.cpu_us_per_event.none} µs`, `${x.ingest.cpu_us_per_event.twenty_rules} µs`, pct(x.ingest.cpu_us_per_event.cost), x.ingest.turns.caught_up_ms.map((ms) => `${ms} ms`).join(', '),
        `${x.ack_to_webhook.p50_ms} ms`, `${x.ack_to_webhook.p99_ms} ms`, `${x.ack_to_webhook.max_ms} ms`, n(x.alerts_fired)])));
  }
  if (r.retention) {
    const re = r.retention;
    out.push('', `**Retention**: a log of ${n(re.events)} events spread over 90 days, a 30-day window, so two thirds expire; the purge runs in a server process (POST /v1/retention/purges, the job's code: retention.purged records, batches sized to take about 50 ms with a pause twice as long after each, then VACUUM on PostgreSQL) while ingest keeps flowing (batches of 100, 2 at a time); raw = the store's forgetEvents over the same events of a second tenant, batches of 5,000, no records, no pauses, no ingest. Space, around the raw run (no ingest meanwhile): the content bytes the rows no longer hold, and the events table's row bytes as the database counts them (SQLite dbstat payload; PostgreSQL pgstattuple live tuples, and the free space after VACUUM, which later rows reuse rather than the file shrinking)${ran(re)}. Verification: POST /v1/integrity/verify of the whole log with the purged ranges, against the same log intact before the purge.`, '');
    out.push(table(['store', 'purged', 'seconds', 'purge events/s', 'raw events/s', 'ratio', 'content freed', 'ingest/s alone', 'during purge', 'share'],
      re.results.map((x) => [engineLabel(x), n(x.purge.purged), x.purge.seconds, n(x.purge.per_second), n(x.raw_forget.per_second), pct(x.purge_vs_raw), mb(x.purge.content_bytes_freed),
        n(x.ingest.alone.per_second), n(x.ingest.during_purge.per_second), pct(x.ingest.share)])));
    out.push('', table(['store', 'raw run: content freed', 'events table rows before → after', 'free space after'],
      re.results.map((x) => [engineLabel(x), mb(x.raw_forget.content_bytes_freed), `${mb(x.raw_forget.space_before.payload_bytes)} → ${mb(x.raw_forget.space_after.payload_bytes)}`, mb(x.raw_forget.space_after.free_bytes)])));
    out.push('', table(['store', 'verify intact, events/s', 'with purged ranges, events/s', 'ratio'],
      re.results.map((x) => [engineLabel(x), n(x.verify.intact.per_second), n(x.verify.with_purged_ranges.per_second), pct(x.verify.ratio)])));
  }
  if (r.scale) {
    const sc = r.scale;
    out.push('', `**Scale**: one realistic data set (\`bench/lib/generate.ts\`: the seed taxonomies' actions in a SaaS product's mix, ${sc.results[0]?.tenants ?? 12} tenants and their actors skewed, 90 days with busier weekdays and working hours) grown in steps; at each step the largest tenant (about a third of the events) is measured. Ingest = that step's appends through the store port in batches of 1,000 (the ingest path minus HTTP) vs the bare driver insert of 20,000 rows into the same table at that size; first page = the slowest of three filtered first pages (p99); verification vs bare read + one hash per row; export NDJSON over HTTP vs the bare CSV read${ran(sc)}. Plot: \`bench/results/scale.png\`.`, '');
    out.push(table(['store', 'events (tenant)', 'ingest/s (vs bare)', 'first page p99', 'verification/s (vs bare)', 'inclusion / consistency p99', 'export NDJSON rows/s (vs bare CSV)'],
      sc.results.flatMap((x) => x.steps.map((s) => [engineLabel(x), `${n(s.total_events)} (${n(s.tenant_events)})`,
        `${n(s.ingest.per_second)} (${pct(s.ingest.ratio_to_bare)})`, `${Math.max(...s.read.filtered_first_page.map((f) => f.service.p99_ms))} ms`,
        `${n(s.read.verification.per_second)}${s.read.verification.ratio_to_bare === undefined ? '' : ` (${pct(s.read.verification.ratio_to_bare)})`}`,
        `${s.read.inclusion_proof.p99_ms} / ${s.read.consistency_proof.p99_ms} ms`, `${n(s.export.ndjson.per_second)} (${pct(s.export.ndjson.ratio_to_bare_csv)})`]))));
    out.push('', '![Scale curves](bench/results/scale.png)');
  }
  return `${out.join('\n')}\n`;
}
