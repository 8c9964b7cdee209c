// On one seeded store of N events (default 1M): latency of filtered first pages through the
// query service next to the bare SQL on the same data (issue 3), verification events/s and
// inclusion/consistency proof latency (issue 4).

import { createCheckpointService } from '../src/checkpoints/checkpoint-service.js';
import type { SigningKey } from '../src/checkpoints/signing-key.js';
import { leafInputsOf, pageHashes } from '@stele/integrity';
import { nativeProblem } from '../src/native/native-addons.js';
import { createQueryService } from '../src/query/query-service.js';
import { and, compare } from '../src/sql/fragments.js';
import type { TestStore } from '../src/store/testing/test-stores.js';
import { createProofService } from '../src/verification/proof-service.js';
import { createVerificationService } from '../src/verification/verification-service.js';
import Database from 'better-sqlite3';
import { hash } from 'node:crypto';
import pg from 'pg';
import { latency, rate, ratio } from './lib/stats.js';

const DAY = 86_400_000;

/** Every stored column of an event, as the bare reads select them. */
export const EVENT_COLUMNS = 'tenant_id, seq, id, action, category, occurred_at, received_at, actor_id, actor_type, actor_email, actor_name, actor_role, target_type, target_id, target_name, target_slug, target_version, target_url, ip, user_agent, location, request_id, session_id, api_key_id, method, url, http_status, success, details, leaf_hash, chain_hash';


/**
 * The raw limit for verification: every row read straight through the driver in keyset pages of
 * 1,000 and hashed once (SHA-256 of its JSON). Verification does more per row (canonical form,
 * leaf, chain and tree hashes, comparisons), so this is a floor no implementation gets under.
 */
export async function bareReadAndHash(db: TestStore, tenantId: string, columns: string): Promise<number> {
  let rows = 0;
  // Hashes as hex text, as the stores read them (a Buffer would make JSON.stringify the bottleneck).
  const hexOf = (c: string) => (db.location.sqliteFile ? `lower(hex(${c}))` : `encode(${c}, 'hex')`);
  columns = columns.replace('leaf_hash, chain_hash', `${hexOf('leaf_hash')}, ${hexOf('chain_hash')}`);
  if (db.location.sqliteFile) {
    const sqlite = new Database(db.location.sqliteFile, { readonly: true });
    const page = sqlite.prepare(`SELECT ${columns} FROM events WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT 1000`).raw();
    for (let after = 0; ;) {
      const batch = page.all(tenantId, after) as unknown[][];
      for (const row of batch) hash('sha256', JSON.stringify(row), 'hex');
      rows += batch.length;
      if (batch.length < 1000) break;
      after = batch[batch.length - 1]![1] as number;
    }
    sqlite.close();
    return rows;
  }
  const client = new pg.Client({ connectionString: db.location.databaseUrl, options: `-c search_path=${db.location.pgSchema}` });
  await client.connect();
  try {
    for (let after = 0; ;) {
      const { rows: batch } = await client.query<unknown[]>({ text: `SELECT ${columns} FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT 1000`, values: [tenantId, after], rowMode: 'array' });
      for (const row of batch) hash('sha256', JSON.stringify(row), 'hex');
      rows += batch.length;
      if (batch.length < 1000) break;
      after = Number(batch[batch.length - 1]![1]);
    }
  } finally {
    await client.end();
  }
  return rows;
}

export async function runReadBench(db: TestStore, tenantId: string, n: number, key: SigningKey, endMs: number, log: (line: string) => void) {
  const now = () => endMs;
  const query = createQueryService({ store: db.store, now });
  const pages = [
    {
      name: 'action + 7-day window',
      service: () => query.listEvents(tenantId, { filters: { action: ['member.role_changed'], since: 'now-7d' } }),
      sql: () => db.raw(`SELECT ${EVENT_COLUMNS} FROM events WHERE tenant_id = ? AND action = ? AND occurred_at >= ? ORDER BY occurred_at DESC, seq DESC LIMIT 101`, [tenantId, 'member.role_changed', endMs - 7 * DAY]),
    },
    {
      name: 'actor',
      service: () => query.listEvents(tenantId, { filters: { actor_id: ['user_42'] } }),
      sql: () => db.raw(`SELECT ${EVENT_COLUMNS} FROM events WHERE tenant_id = ? AND actor_id = ? ORDER BY occurred_at DESC, seq DESC LIMIT 101`, [tenantId, 'user_42']),
    },
    {
      name: 'target',
      service: () => query.listEvents(tenantId, { filters: { target_id: ['target_77'] } }),
      sql: () => db.raw(`SELECT ${EVENT_COLUMNS} FROM events WHERE tenant_id = ? AND target_id = ? ORDER BY occurred_at DESC, seq DESC LIMIT 101`, [tenantId, 'target_77']),
    },
  ];
  const filtered = [];
  for (const page of pages) {
    const service = await latency(100, page.service);
    const bare = await latency(100, page.sql);
    log(`  ${page.name}: service p50 ${service.p50_ms} ms p99 ${service.p99_ms} ms; bare SQL p50 ${bare.p50_ms} ms p99 ${bare.p99_ms} ms`);
    filtered.push({ filter: page.name, service, bare_sql: bare });
  }

  const integrity = await runIntegrityBench(db, tenantId, n, key, endMs, log);

  return {
    events: n,
    filtered_first_page: filtered.map((f) => ({ ...f, p99_ratio_to_bare: ratio(f.service.p99_ms, f.bare_sql.p99_ms) })),
    ...integrity,
  };
}

/**
 * The hashing floor: the SHA-256s verification does per event (its leaf over its canonical text,
 * its chain hash, the tree nodes above it), with the verifier's own page hashing (native when
 * built), in one thread, over pages of the first `sample` events' texts held in memory.
 * Verification hashes in one thread too, so it cannot run faster than this.
 */
export async function bareHashing(db: TestStore, tenantId: string, sample: number): Promise<number> {
  const pages: { leafInputs: Buffer; storedChainHashes: Buffer }[] = [];
  for (let after = 0; after < sample; after += HASH_PAGE) {
    const events = await db.store.findEvents(tenantId, { where: and([compare('seq', '>', after), compare('seq', '<=', Math.min(after + HASH_PAGE, sample))]), order: { key: 'seq', direction: 'asc' }, limit: HASH_PAGE });
    if (events.length === 0) break;
    pages.push({
      leafInputs: leafInputsOf(events),
      storedChainHashes: Buffer.from(events.map((e) => e.chain_hash).join(''), 'hex'),
    });
  }
  const started = performance.now();
  let prevChain: Uint8Array = new Uint8Array(32);
  let rows = 0;
  for (const page of pages) {
    const leaves = pageHashes.leafHashes(page.leafInputs);
    pageHashes.chainHashes(prevChain, page.storedChainHashes, leaves);
    for (let level = leaves; level.length >= 64;) level = pageHashes.nodeHashes(level.subarray(0, level.length - (level.length % 64)));
    prevChain = page.storedChainHashes.subarray(page.storedChainHashes.length - 32);
    rows += leaves.length / 32;
  }
  return Math.round(rows / ((performance.now() - started) / 1000));
}
const HASH_PAGE = 4096;

/**
 * The raw limit for a proof: one round trip through the driver, reading one event's leaf hash by
 * id, for events spread as the inclusion proofs' are but half a log away (so neither finds the
 * other's pages already read). A proof needs at least two round trips (the event, then the nodes
 * its seq calls for), so its latency, tail included, is bounded below by this.
 */
export async function barePointRead(db: TestStore, tenantId: string, n: number): Promise<{ p50_ms: number; p99_ms: number }> {
  let i = 0;
  const nextId = () => `evt-${(i++ * 7919 + Math.floor(n / 2)) % n}`;
  if (db.location.sqliteFile) {
    const sqlite = new Database(db.location.sqliteFile, { readonly: true });
    const read = sqlite.prepare('SELECT leaf_hash FROM events WHERE tenant_id = ? AND id = ?');
    try {
      return await latency(PROOF_SAMPLES, async () => read.get(tenantId, nextId()));
    } finally {
      sqlite.close();
    }
  }
  const client = new pg.Client({ connectionString: db.location.databaseUrl, options: `-c search_path=${db.location.pgSchema}` });
  await client.connect();
  try {
    return await latency(PROOF_SAMPLES, () => client.query({ name: 'point', text: 'SELECT leaf_hash FROM events WHERE tenant_id = $1 AND id = $2', values: [tenantId, nextId()] }));
  } finally {
    await client.end();
  }
}
// Enough that a p99 is the tenth-slowest sample, not the second.
const PROOF_SAMPLES = 1000;

/** Verification of the whole log next to its raw limit, then inclusion and consistency proof latency at size n. */
export async function runIntegrityBench(db: TestStore, tenantId: string, n: number, key: SigningKey, endMs: number, log: (line: string) => void) {
  const now = () => endMs;
  const checkpoints = createCheckpointService({ store: db.store, key, everyEvents: 1_000_000_000, everySeconds: 3600, now });
  await checkpoints.checkpoint(tenantId);
  const verification = createVerificationService({ store: db.store, key, now });
  let failures = 0;
  const verify = await rate(async () => {
    const result = await verification.verify(tenantId, {});
    failures = result.failures.length;
    return result.checked;
  });
  const bareVerify = await rate(() => bareReadAndHash(db, tenantId, EVENT_COLUMNS));
  const hashingOnly = await bareHashing(db, tenantId, Math.min(n, 100_000));
  log(`  verification: ${verify.per_second} events/s over ${verify.count} (${failures} failures); bare read + one hash per row ${bareVerify.per_second}/s; hashing alone (${nativeProblem === undefined ? 'native' : 'JavaScript'}), one thread ${hashingOnly}/s`);

  const proofs = createProofService({ store: db.store, checkpoints });
  let i = 0;
  const inclusion = await latency(PROOF_SAMPLES, () => proofs.inclusionProof(tenantId, `evt-${(i++ * 7919) % n}`, n));
  let j = 1;
  const consistencyProof = await latency(PROOF_SAMPLES, () => {
    const from = 1 + ((j++ * 104_729) % (n - 1));
    return proofs.consistencyProof(tenantId, from, n);
  });
  const pointRead = await barePointRead(db, tenantId, n);
  log(`  inclusion proof p50 ${inclusion.p50_ms} ms p99 ${inclusion.p99_ms} ms; consistency p50 ${consistencyProof.p50_ms} ms p99 ${consistencyProof.p99_ms} ms; bare point read p50 ${pointRead.p50_ms} ms p99 ${pointRead.p99_ms} ms`);

  return {
    verification: {
      ...verify, failures, bare_read_and_hash: bareVerify, ratio_to_bare: ratio(verify.per_second, bareVerify.per_second),
      hashing_only_one_thread: hashingOnly, ratio_to_hashing_only: ratio(verify.per_second, hashingOnly), native: nativeProblem === undefined,
    },
    inclusion_proof: inclusion,
    consistency_proof: consistencyProof,
    bare_point_read: pointRead,
  };
}
