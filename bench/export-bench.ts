// Export throughput and memory (issue 6) over HTTP from a server process on the seeded store,
// CSV and NDJSON, next to the bare limit in the same run: better-sqlite3 iterate() writing the
// same CSV columns, or PostgreSQL COPY ... TO STDOUT CSV. The bare limit is measured before,
// between and after the exports, and each export is compared with the mean of the two bare runs
// around it, so a machine whose load drifts (it may be shared) skews the ratio less. Each format
// runs on a fresh server process, so "before → peak" is what one export adds to an idle server.

import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { createAuditTrail } from '../src/audit-trail/audit-trail.js';
import { SYSTEM_REQUESTER } from '../src/audit-trail/requester.js';
import { loadConfig } from '../src/config.js';
import { createIngestService } from '../src/ingest/ingest-service.js';
import { sealEvents } from '@stele/integrity';
import type { TestStore } from '../src/store/testing/test-stores.js';
import { createTenantService } from '../src/tenants/tenant-service.js';
import { startServerProcess } from '../test/helpers/server-process.js';
import { rate, ratio } from './lib/stats.js';

const CSV_COLUMNS = 'occurred_at, received_at, seq, id, action, category, actor_id, actor_email, actor_type, target_type, target_id, target_slug, success, ip, user_agent, request_id, details';

const rssKb = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

async function bareCsv(db: TestStore, tenantId: string): Promise<number> {
  if (db.location.sqliteFile) {
    const sqlite = new Database(db.location.sqliteFile, { readonly: true });
    let rows = 0;
    let bytes = 0;
    const quote = (v: unknown) => (v === null ? '' : /[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    for (const row of sqlite.prepare(`SELECT ${CSV_COLUMNS} FROM events WHERE tenant_id = ? ORDER BY seq`).raw().iterate(tenantId) as Iterable<unknown[]>) {
      bytes += row.map(quote).join(',').length + 2;
      rows += 1;
    }
    sqlite.close();
    if (rows > 0 && bytes === 0) throw new Error('no CSV written');
    return rows;
  }
  const client = new pg.Client({ connectionString: db.location.databaseUrl, options: `-c search_path=${db.location.pgSchema}` });
  await client.connect();
  let lines = 0;
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyStreams.to(`COPY (SELECT ${CSV_COLUMNS} FROM events WHERE tenant_id = '${tenantId.replace(/'/g, "''")}' ORDER BY seq) TO STDOUT CSV`));
    stream.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) lines += 1;
    });
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  await client.end();
  return lines;
}

export async function runExportBench(db: TestStore, tenantId: string, log: (line: string) => void) {
  // The key's creation is an event in the log like any other, so the exports and the bare reads count it alike.
  const trail = createAuditTrail({ recorder: createIngestService({ store: db.store, limits: loadConfig({}).limits, seal: sealEvents }) });
  const { key } = await createTenantService({ store: db.store, trail }).createKey(tenantId, 'bench', ['audit:export'], SYSTEM_REQUESTER);
  const env: Record<string, string> = { STELE_ADMIN_TOKEN: 'stele_admin_bench_token_0123456789', STELE_EXPORT_MAX_ROWS: '100000000', STELE_LOG_LEVEL: 'error', STELE_CHECKPOINT_EVERY_SECONDS: '3600' };
  if (db.location.sqliteFile) env.STELE_DATA_DIR = db.location.sqliteFile.replace(/\/stele\.db$/, '');
  else Object.assign(env, { STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema! });
  const bare = [await rate(() => bareCsv(db, tenantId))];
  log(`  bare CSV: ${bare[0]!.per_second} rows/s`);
  const results: Record<string, unknown> = {};
  for (const format of ['csv', 'ndjson'] as const) {
    const server = await startServerProcess(env);
    let exported: Awaited<ReturnType<typeof rate>> & { rss_before_mb: number; rss_peak_mb: number };
    try {
      const rssBefore = rssKb(server.child.pid!, 'VmRSS');
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, rssKb(server.child.pid!, 'VmRSS'))), 100);
      const result = await rate(async () => {
        // Uncompressed, like the bare read it is compared with (fetch would otherwise ask for gzip).
        const response = await fetch(`${server.url}/v1/events/export?format=${format}`, { headers: { authorization: `Bearer ${key}`, 'accept-encoding': 'identity' } });
        if (response.status !== 200) throw new Error(`export answered ${response.status}: ${await response.text()}`);
        let lines = 0;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) for (const byte of chunk) if (byte === 10) lines += 1;
        return format === 'csv' ? lines - 1 : lines;
      });
      clearInterval(sampler);
      log(`  export ${format}: ${result.per_second} rows/s, RSS ${Math.round(rssBefore / 1024)} → peak ${Math.round(peak / 1024)} MB`);
      exported = { ...result, rss_before_mb: Math.round(rssBefore / 1024), rss_peak_mb: Math.round(peak / 1024) };
    } finally {
      await server.stop();
    }
    bare.push(await rate(() => bareCsv(db, tenantId)));
    log(`  bare CSV: ${bare.at(-1)!.per_second} rows/s`);
    const around = Math.round((bare.at(-2)!.per_second + bare.at(-1)!.per_second) / 2);
    results[format] = { ...exported, bare_around: around, ratio_to_bare_csv: ratio(exported.per_second, around), rss_growth_mb: exported.rss_peak_mb - exported.rss_before_mb };
  }
  const perSecond = bare.map((b) => b.per_second);
  results.bare_csv = { count: bare[0]!.count, per_second: Math.round(perSecond.reduce((a, b) => a + b, 0) / perSecond.length), runs: perSecond };
  return results;
}
