// `npm run bench`: every benchmark, each next to the raw limit measured in the same run. Writes
// bench/results/<benchmark>.json and the table between the bench markers in README.md.
// Options: --events N (seeded store size, default 1,000,000), --ingest-events N (default 100,000),
// --stream-events N (events each stream delivers in the streams benchmark, default 100,000),
// --alert-events N (events a turn in the alerts benchmark, default 20,000),
// --retention-events N (the retention benchmark's log, default 200,000),
// --engines sqlite,postgres (default: sqlite, and postgres when reachable), --only ingest,read-integrity-export,search,reports,sdk,streams,alerts,retention,scale
// (run only those; the others are taken from their last results file, and the README says when each ran).
// The scale benchmark (bench/scale-bench.ts: 100k → --scale-max events, default 1,000,000, with a
// plot in bench/results/scale.png) runs only when named in --only.
// --generate N: no benchmark; N events of the realistic data set into the store the server is
// configured for (STELE_DATABASE_URL or STELE_DATA_DIR, as `npm start` reads them), to explore.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../src/store/testing/test-stores.js';
import { postgresReachable } from './lib/postgres.js';
import { runExportBench } from './export-bench.js';
import { runIngestBench } from './ingest-bench.js';
import { runReadBench } from './read-bench.js';
import { runSearchBench } from './search-bench.js';
import { runReportsBench } from './reports-bench.js';
import { runSdkBench } from './sdk-bench.js';
import { runStreamsBench } from './streams-bench.js';
import { runAlertsBench } from './alerts-bench.js';
import { runRetentionBench } from './retention-bench.js';
import { runScaleBench } from './scale-bench.js';
import { generateIntoConfiguredStore } from './lib/generate-command.js';
import { plotCurves } from './lib/plot.js';
import { scaleCurves } from './render.js';
import { renderMarkdown } from './render.js';
import { arg, log } from './lib/cli.js';
import { BENCH_TENANT, withSeededStore } from './lib/seeded-store.js';


if (arg('generate')) {
  await generateIntoConfiguredStore(Number(arg('generate')), log);
  process.exit(0);
}

const events = Number(arg('events') ?? 1_000_000);
const ingestEvents = Number(arg('ingest-events') ?? 100_000);
const engines = (arg('engines')?.split(',') as Engine[] | undefined) ?? ['sqlite', ...((await postgresReachable()) ? ['postgres' as const] : [])];
const machine = { node: process.version, cpus: (await import('node:os')).cpus().length, date: new Date().toISOString() };
const engineOrder = (engine: string) => (engine === 'sqlite' ? 0 : 1);
const results: Record<string, unknown> = {};
/**
 * Writes a benchmark's results. A run limited by --engines keeps the other engines' entries of
 * the last results file (each entry says when it was measured), so engines can be run apart.
 */
const save = (name: string, value: unknown) => {
  const fresh = value as { results?: { engine: string }[] };
  if (arg('engines') && Array.isArray(fresh.results)) {
    const file = join('bench', 'results', `${name}.json`);
    const last = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { machine?: { date?: string }; results?: { engine: string; measured_at?: string }[] }) : {};
    const kept = (last.results ?? []).filter((r) => !engines.includes(r.engine as Engine)).map((r) => ({ measured_at: last.machine?.date, ...r }));
    const measured = fresh.results.map((r) => ({ measured_at: machine.date, ...r }));
    value = { ...fresh, results: [...measured, ...kept].sort((a, b) => engineOrder(a.engine) - engineOrder(b.engine)) };
  }
  results[name] = { machine, ...(value as object) };
  writeFileSync(join('bench', 'results', `${name}.json`), `${JSON.stringify(results[name], null, 2)}\n`);
};
const only = arg('only')?.split(',');
/** Whether to run this benchmark; if not, its last results are kept and shown. */
const runs = (name: string): boolean => {
  // The scale benchmark takes long: it runs only when asked for by name.
  if (only ? only.includes(name) : name !== 'scale') return true;
  const file = join('bench', 'results', `${name}.json`);
  if (existsSync(file)) results[name] = JSON.parse(readFileSync(file, 'utf8'));
  return false;
};

if (runs('ingest')) save('ingest', await runIngestBench({ engines, events: ingestEvents, log }));

const stores = [];
for (const engine of runs('read-integrity-export') ? engines : []) {
  stores.push(await withSeededStore(engine, events, log, async ({ db, endMs, signingKey }) => ({
    engine,
    read: await runReadBench(db, BENCH_TENANT, events, signingKey, endMs, log),
    export: await runExportBench(db, BENCH_TENANT, log),
  })));
}
if (stores.length > 0) save('read-integrity-export', { events, stores });
if (runs('search')) save('search', await runSearchBench({ events, engines, log }));
if (runs('reports')) save('reports', await runReportsBench({ events, engines, log }));
if (runs('sdk')) save('sdk', await runSdkBench({ engines, events: Number(arg('sdk-events') ?? 100_000), log }));
if (runs('streams')) save('streams', await runStreamsBench({ engines, events: Number(arg('stream-events') ?? 100_000), log }));
if (runs('alerts')) save('alerts', await runAlertsBench({ engines, events: Number(arg('alert-events') ?? 20_000), log }));
if (runs('retention')) save('retention', await runRetentionBench({ engines, events: Number(arg('retention-events') ?? 200_000), log }));
if (runs('scale')) {
  save('scale', await runScaleBench({ engines, max: Number(arg('scale-max') ?? 1_000_000), log }));
  await plotCurves(scaleCurves(results.scale as never), join('bench', 'results', 'scale.png'));
}

const markdown = renderMarkdown(results as never, machine);
writeFileSync(join('bench', 'results', 'summary.md'), markdown);
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
if (readme.includes(start) && readme.includes(end)) {
  writeFileSync('README.md', `${readme.slice(0, readme.indexOf(start) + start.length)}\n${markdown}\n${readme.slice(readme.indexOf(end))}`);
}
process.stdout.write(markdown);
