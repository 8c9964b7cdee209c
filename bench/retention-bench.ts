// Retention (issue 19), against a real server process on each engine, over a seeded log whose
// events span 90 days, with a 30-day window (so two thirds of it expire):
// - the purge (POST /v1/retention/purges, the job's own code path: records, paced batches,
//   PostgreSQL's VACUUM) while ingest keeps flowing: seconds, events purged, the content bytes the
//   store freed;
// - next to the raw limit measured in the same run: the store's forgetEvents over a second tenant
//   with the same events, batches of 5,000, no records, no pauses, no ingest; around it (where no
//   ingest adds rows) what the database says it got back (SQLite: the events table's payload bytes
//   from dbstat; PostgreSQL: pgstattuple's live tuple bytes and free space after a VACUUM);
// - ingest's rate during the purge as a share of its rate alone (HTTP, batches of 100, 2 at a time);
// - verification (POST /v1/integrity/verify of the whole log) with the purged ranges, next to the
//   same log intact before the purge.

import { request as httpRequest } from 'node:http';
import { openTestStore, type Engine, type TestStore } from '../src/store/testing/test-stores.js';
import { sql } from '../src/sql/fragments.js';
import { startServerProcess } from '../test/helpers/server-process.js';
import { seed, syntheticEvent } from './lib/seed.js';
import { rate, ratio, round } from './lib/stats.js';

const ADMIN = 'stele_admin_retention_bench_0123456789';
const TENANT = 'bench';
const RAW_TENANT = 'bench-raw';
type Log = (line: string) => void;

/** Bytes the database holds for the events table: SQLite's payload (dbstat), PostgreSQL's live tuples and free space (pgstattuple). */
async function space(db: TestStore): Promise<{ payload_bytes?: number; table_bytes?: number; free_bytes?: number }> {
  if (db.name === 'sqlite') {
    const [row] = await db.raw("SELECT sum(payload) AS payload FROM dbstat WHERE name = 'events'");
    return { payload_bytes: Number(row!.payload) };
  }
  await db.raw('CREATE EXTENSION IF NOT EXISTS pgstattuple');
  const [row] = await db.raw("SELECT table_len, tuple_len, free_space, dead_tuple_len FROM pgstattuple('events')");
  return { table_bytes: Number(row!.table_len), payload_bytes: Number(row!.tuple_len), free_bytes: Number(row!.free_space) };
}

export async function runRetentionBench(opts: { engines: Engine[]; events: number; log: Log }) {
  const results = [];
  for (const engine of opts.engines) {
    const n = opts.events;
    const db = await openTestStore(engine);
    const endMs = Date.now();
    let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
    try {
      opts.log(`retention on ${engine}: seeding ${n} events twice (the purge's tenant and the raw limit's)`);
      for (const id of [TENANT, RAW_TENANT]) {
        await db.store.createTenant({ id, name: id, created_at: new Date(endMs).toISOString() });
        await seed(db.store, id, n, endMs, opts.log);
      }
      await db.raw(engine === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE');

      const env: Record<string, string> = {
        STELE_ADMIN_TOKEN: ADMIN, STELE_LOG_LEVEL: 'error', STELE_RATE_LIMIT_PER_MINUTE: '0', STELE_RETENTION_PURGE_INTERVAL_SECONDS: '0',
        STELE_CHECKPOINT_EVERY_EVENTS: '100000000',
      };
      if (db.location.sqliteFile) env.STELE_DATA_DIR = db.location.sqliteFile.replace(/\/stele\.db$/, '');
      else Object.assign(env, { STELE_DATABASE_URL: db.location.databaseUrl!, STELE_DATABASE_SCHEMA: db.location.pgSchema! });
      server = await startServerProcess(env);
      const url = server.url;
      // node:http rather than fetch: a purge of a million events answers after several minutes,
      // past fetch's fixed five-minute wait for response headers.
      const request = (method: string, path: string, body: unknown, key: string) => new Promise<any>((resolve, reject) => {
        const req = httpRequest(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) } }, (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => {
            if (response.statusCode! >= 300) reject(new Error(`${method} ${path}: ${response.statusCode} ${text}`));
            else resolve(text ? JSON.parse(text) : undefined);
          });
        });
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
      const { key } = await request('POST', `/v1/tenants/${TENANT}/keys`, { name: 'bench', scopes: ['events:write', 'audit:read', 'retention:manage'] }, ADMIN);
      const call = (method: string, path: string, body?: unknown) => request(method, path, body, key);

      // Ingest: batches of 100 fresh events, 2 requests at a time, until `until` resolves (or for `ms`).
      let sent = 0;
      const ingestWhile = async (until: Promise<unknown>) => {
        let done = false;
        void until.finally(() => { done = true; });
        let events = 0;
        const started = performance.now();
        await Promise.all([0, 1].map(async () => {
          while (!done) {
            const body = JSON.stringify(Array.from({ length: 100 }, (_, k) => {
              const { id: _id, category: _c, received_at: _r, occurred_at: _o, ...input } = syntheticEvent(sent + k, n, endMs);
              return { ...input, action: `live.${input.action}` };
            }));
            sent += 100;
            const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
            if (response.status !== 201) throw new Error(`ingest answered ${response.status}`);
            await response.arrayBuffer();
            events += 100;
          }
        }));
        const seconds = (performance.now() - started) / 1000;
        return { count: events, seconds: round(seconds, 3), per_second: Math.round(events / seconds) };
      };

      opts.log('  ingest alone for 10 s');
      const ingestAlone = await ingestWhile(new Promise((resolve) => setTimeout(resolve, 10_000)));

      opts.log('  verification of the intact log');
      const verifyIntact = await rate(async () => {
        const result = await call('POST', '/v1/integrity/verify', {});
        if (!result.ok) throw new Error(`intact log does not verify: ${JSON.stringify(result.failures.slice(0, 3))}`);
        return result.checked;
      });

      await call('PUT', '/v1/retention', { days: 30 });
      const expired = (await call('POST', '/v1/retention/purges', { dry_run: true })).purged as number;
      opts.log(`  purging ${expired} expired events while ingest flows`);
      let purgeSeconds = 0;
      const purgeStarted = performance.now();
      const purge = call('POST', '/v1/retention/purges', {}).then((run) => {
        purgeSeconds = (performance.now() - purgeStarted) / 1000;
        return run;
      });
      const ingestDuring = await ingestWhile(purge);
      const run = await purge;

      opts.log('  verification with the purged ranges');
      const verifyPurged = await rate(async () => {
        const result = await call('POST', '/v1/integrity/verify', {});
        if (!result.ok) throw new Error(`purged log does not verify: ${JSON.stringify(result.failures.slice(0, 3))}`);
        const forgotten = (result.forgotten as { from_seq: number; to_seq: number }[]).reduce((sum, f) => sum + f.to_seq - f.from_seq + 1, 0);
        if (forgotten !== run.purged) throw new Error(`verify names ${forgotten} forgotten events, the purge ${run.purged}`);
        return result.checked;
      });

      opts.log('  raw limit: forgetEvents over the same events of a second tenant');
      const rawSeqs = (await db.store.findEvents(RAW_TENANT, { where: sql('occurred_at < ?', [endMs - 30 * 86_400_000]), order: { key: 'seq', direction: 'asc' }, limit: n }))
        .map((e) => e.seq);
      // The space the database gets back is measured here, where no ingest adds rows meanwhile.
      const before = await space(db);
      let rawBytes = 0;
      const raw = await rate(async () => {
        let forgotten = 0;
        for (let i = 0; i < rawSeqs.length; i += 5000) {
          const outcome = await db.store.forgetEvents(RAW_TENANT, rawSeqs.slice(i, i + 5000), { kind: 'purged', bySeq: n + 1 });
          forgotten += outcome.forgotten;
          rawBytes += outcome.bytesFreed;
        }
        return forgotten;
      });
      await db.store.reclaimSpace?.();
      const after = await space(db);

      const purgeRate = Math.round(run.purged / purgeSeconds);
      const entry = {
        engine, events: n, expired,
        purge: {
          seconds: round(purgeSeconds, 2), purged: run.purged, per_second: purgeRate, records: run.records,
          content_bytes_freed: run.bytes_freed,
        },
        raw_forget: { ...raw, content_bytes_freed: rawBytes, space_before: before, space_after: after },
        purge_vs_raw: ratio(purgeRate, raw.per_second),
        ingest: { alone: ingestAlone, during_purge: ingestDuring, share: ratio(ingestDuring.per_second, ingestAlone.per_second) },
        verify: { intact: verifyIntact, with_purged_ranges: verifyPurged, ratio: ratio(verifyPurged.per_second, verifyIntact.per_second) },
      };
      opts.log(`  ${JSON.stringify(entry)}`);
      results.push(entry);
    } finally {
      await server?.stop();
      await db.close();
    }
  }
  return { events: opts.events, results };
}
