// `npm run bench`: every benchmark, each next to the raw limit measured in the same run. Writes
// bench/results/<benchmark>.json and the table between the bench markers in README.md.
// Options: --events N (seeded store size, default 1,000,000), --ingest-events N (default 100,000),
// --stream-events N (events each stream delivers in the streams benchmark, default 100,000),
// --alert-events N (events a turn in the alerts benchmark, default 20,000),
// --retention-events N (the retention benchmark's log, default 200,000),
// --engines sqlite,postgres (default: sqlite, and postgres when reachable), --only ingest,read-integrity-export,search,reports,sdk,streams,alerts,retention
// (run only those; the others are taken from their last results file, and the README says when each ran).

import { readFileSync, writeFileSync } from 'node:fs';
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
import { renderMarkdown } from './render.js';
import { arg, log } from './lib/cli.js';
import { BENCH_TENANT, withSeededStore } from './lib/seeded-store.js';


const events = Number(arg('events') ?? 1_000_000);
const ingestEvents = Number(arg('ingest-events') ?? 100_000);
const engines = (arg('engines')?.split(',') as Engine[] | undefined) ?? ['sqlite', ...((await postgresReachable()) ? ['postgres' as const] : [])];
const machine = { node: process.version, cpus: (await import('node:os')).cpus().length, date: new Date().toISOString() };
const results: Record<string, unknown> = {};
const save = (name: string, value: unknown) => {
  results[name] = { machine, ...(value as object) };
  writeFileSync(join('bench', 'results', `${name}.json`), `${JSON.stringify(results[name], null, 2)}\n`);
};
const only = arg('only')?.split(',');
/** Whether to run this benchmark; if not, its last results are kept and shown. */
const runs = (name: string): boolean => {
  if (!only || only.includes(name)) return true;
  results[name] = JSON.parse(readFileSync(join('bench', 'results', `${name}.json`), 'utf8'));
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

const markdown = renderMarkdown(results as never, machine);
writeFileSync(join('bench', 'results', 'summary.md'), markdown);
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
if (readme.includes(start) && readme.includes(end)) {
  writeFileSync('README.md', `${readme.slice(0, readme.indexOf(start) + start.length)}\n${markdown}\n${readme.slice(readme.indexOf(end))}`);
}
process.stdout.write(markdown);
