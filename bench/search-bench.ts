// Search latency (issue 5's benchmark): N events per store, then p50/p99 of the first page (100)
// of five representative `q` queries through the query service, next to the equivalent SQL an
// engineer would write by hand, run directly on the same database. SQLite always; PostgreSQL when
// STELE_TEST_PG_URL (default 127.0.0.1:5432/test) answers.
//
// The service figure includes parsing, compiling, the store's SELECT and decoding 100 rows into
// events; the hand-written figure is the driver round trip with raw rows, so the gap is the
// price of the language plus decoding. Standalone: npx tsx bench/search-bench.ts --events 100000

import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { cidrRange } from '../src/domain/ip.js';
import { latency } from './lib/stats.js';
import { postgresReachable } from './lib/postgres.js';
import { sealEvents } from '@stele/integrity';
import { createQueryService } from '../src/query/query-service.js';
import { createEventSelector } from '../src/query/selection.js';
import type { PendingEvent } from '../src/store/port.js';
import { openTestStore, PG_URL, type Engine, type TestStore } from '../src/store/testing/test-stores.js';
import { arg } from './lib/cli.js';

export interface SearchBenchOptions {
  events: number;
  /** Timed runs per query (after 3 warm-up runs). */
  runs?: number;
  /** Limit to these engines; by default SQLite, and PostgreSQL when reachable. */
  engines?: Engine[];
  log?: (line: string) => void;
}

interface BenchQuery {
  name: string;
  q: string;
  /** The same selection written by hand: condition after `tenant_id = ? AND`, and its parameters. */
  hand: (engine: Engine, now: number) => { where: string; params: unknown[] };
}

const TENANT = 'bench-tenant';
const DAY = 86_400_000;
const SPAN = 90 * DAY;
const PAGE = 100;
const ACTIONS = ['login.succeeded', 'login.failed', 'member.role_changed', 'document.viewed', 'document.deleted', 'api_key.created', 'file.downloaded', 'login.mfa_challenged'];
const ROLES = ['viewer', 'editor', 'admin'];
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];

const octets = (bytes: Uint8Array) => Buffer.from(bytes);

export const QUERIES: readonly BenchQuery[] = [
  {
    name: 'action prefix + last 7 days',
    q: 'action:login.* AND time:>now-7d',
    hand: (_e, now) => ({ where: 'action >= ? AND action < ? AND occurred_at > ?', params: ['login.', 'login/', now - 7 * DAY] }),
  },
  {
    name: 'actor by email',
    q: 'actor:alice@example.com',
    hand: () => ({ where: '(actor_id = ? OR actor_email = ?)', params: ['alice@example.com', 'alice@example.com'] }),
  },
  {
    name: 'CIDR + failures',
    q: 'ip:10.0.0.0/8 AND success:false',
    hand: () => {
      const range = cidrRange('10.0.0.0/8')!;
      return { where: 'ip_bin >= ? AND ip_bin <= ? AND success = 0', params: [octets(range.low), octets(range.high)] };
    },
  },
  {
    name: 'details JSON path',
    q: 'details.to_role:admin',
    hand: (engine) => ({ where: engine === 'sqlite' ? "json_extract(details, '$.to_role') = ?" : "details ->> 'to_role' = ?", params: ['admin'] }),
  },
  {
    name: 'bare word',
    q: 'carol',
    hand: () => {
      const columns = ['action', 'actor_id', 'actor_email', 'actor_name', 'target_id', 'target_name'];
      return { where: columns.map((c) => `(${c} >= ? AND ${c} < ?)`).join(' OR '), params: columns.flatMap(() => ['carol', 'carom']) };
    },
  },
];

/** Event i of n, deterministic: 5,000 actors (user 0 is alice@example.com), half from 10/8, spread over 90 days. */
function eventAt(i: number, n: number, end: number): PendingEvent['event'] {
  const user = i % 5000;
  const action = ACTIONS[i % ACTIONS.length]!;
  const email = user === 0 ? 'alice@example.com' : `${NAMES[user % NAMES.length]}${user}@example.com`;
  const occurred = new Date(end - SPAN + Math.floor((i / n) * SPAN)).toISOString();
  return {
    id: `ev-${i}`,
    action,
    category: action.startsWith('login.') ? 'authentication' : action.startsWith('member.') ? 'team' : 'resource',
    occurred_at: occurred,
    received_at: occurred,
    actor: { id: `user_${user}`, type: 'user', email, name: NAMES[user % NAMES.length]! },
    target: { type: 'document', id: `doc_${i % 20000}`, name: `Document ${i % 20000}` },
    context: { ip: i % 2 ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : `192.0.2.${i & 255}`, request_id: `req-${i}` },
    success: i % 17 !== 0,
    ...(action === 'member.role_changed' && { details: { from_role: 'viewer', to_role: ROLES[(i >> 3) % 3]! } }),
  };
}

async function seed(db: TestStore, n: number, end: number, log: (line: string) => void): Promise<number> {
  const started = performance.now();
  await db.store.createTenant({ id: TENANT, name: 'Bench', created_at: new Date(end).toISOString() });
  for (let done = 0; done < n; done += 1000) {
    const batch: PendingEvent[] = [];
    for (let i = done; i < Math.min(n, done + 1000); i++) {
      batch.push({ event: eventAt(i, n, end), inputHash: createHash('sha256').update(`ev-${i}`).digest() });
    }
    await db.store.appendEvents(TENANT, batch, sealEvents);
    if (done % 100_000 === 0 && done > 0) log(`  ${db.name}: seeded ${done.toLocaleString('en')}`);
  }
  if (db.name === 'postgres') await db.raw('ANALYZE events');
  else await db.raw('ANALYZE');
  return (performance.now() - started) / 1000;
}

/** p50/p99 of `once` (after warm-up), plus how many rows it returned. */
async function time(runs: number, once: () => Promise<number>): Promise<{ p50_ms: number; p99_ms: number; rows: number }> {
  let rows = 0;
  const timing = await latency(runs, async () => {
    rows = await once();
  });
  return { ...timing, rows };
}

async function benchEngine(engine: Engine, n: number, runs: number, log: (line: string) => void) {
  const db = await openTestStore(engine);
  try {
    const now = Date.now();
    const seedSeconds = await seed(db, n, now, log);
    log(`  ${engine}: ${n.toLocaleString('en')} events seeded in ${seedSeconds.toFixed(1)} s`);
    const query = createQueryService({ store: db.store, now: () => now });
    const select = createEventSelector({ dialect: db.store.dialect, now: () => now });
    const results = [];
    for (const { name, q, hand } of QUERIES) {
      const { where, params } = hand(engine, now);
      const text = `SELECT * FROM events WHERE tenant_id = ? AND (${where}) ORDER BY occurred_at DESC, seq DESC LIMIT ${PAGE + 1}`;
      // Both sides must find the same page, or the comparison means nothing.
      const servicePage = await query.listEvents(TENANT, { ...(await select.fromQuery(TENANT, { q })), limit: PAGE });
      const handPage = (await db.raw(text, [TENANT, ...params])).slice(0, PAGE);
      if (JSON.stringify(servicePage.events.map((e) => e.id)) !== JSON.stringify(handPage.map((r) => r.id))) {
        throw new Error(`${engine} ${name}: the service and the hand-written SQL return different pages`);
      }
      const service = await time(runs, async () => {
        const page = await query.listEvents(TENANT, { ...(await select.fromQuery(TENANT, { q })), limit: PAGE });
        return page.events.length;
      });
      const direct = await time(runs, async () => (await db.raw(text, [TENANT, ...params])).length);
      results.push({ name, q, rows: service.rows, service, hand_sql: { ...direct, rows: Math.min(direct.rows, PAGE) } });
    }
    return { engine, events: n, seed_seconds: Math.round(seedSeconds * 10) / 10, queries: results };
  } finally {
    await db.close();
  }
}

/** Seeds `events` per store and times the five queries; the result is plain JSON for bench/results. */
export async function runSearchBench(opts: SearchBenchOptions): Promise<object> {
  const n = opts.events ?? 1_000_000;
  const runs = opts.runs ?? 50;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const engines: Engine[] = opts.engines ?? ['sqlite', ...((await postgresReachable()) ? ['postgres' as const] : [])];
  const stores = [];
  for (const engine of engines) stores.push(await benchEngine(engine, n, runs, log));
  return {
    benchmark: 'search',
    page_size: PAGE,
    runs_per_query: runs,
    node: process.version,
    ...(engines.includes('postgres') ? {} : { postgres: `not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//')}` }),
    stores,
  };
}

function printTable(result: { stores: Awaited<ReturnType<typeof benchEngine>>[] }): void {
  const rows = [['store', 'query', 'q', 'rows', 'service p50', 'service p99', 'hand SQL p50', 'hand SQL p99']];
  for (const store of result.stores) {
    for (const query of store.queries) {
      rows.push([store.engine, query.name, query.q, String(query.rows),
        `${query.service.p50_ms} ms`, `${query.service.p99_ms} ms`, `${query.hand_sql.p50_ms} ms`, `${query.hand_sql.p99_ms} ms`]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c >= 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const events = Number(arg('events') ?? 1_000_000);
  const runs = arg('runs');
  const result = await runSearchBench({ events, ...(runs && { runs: Number(runs) }) });
  printTable(result as { stores: Awaited<ReturnType<typeof benchEngine>>[] });
  if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
}
