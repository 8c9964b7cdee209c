// Server-side verification of a tenant's log over a seq or time range: every event's leaf and
// chain hash is recomputed, the Merkle root is recomputed at each signed checkpoint inside the
// range, every checkpoint's signature is checked with the instance key, and each checkpoint
// before the range is tied to the stored tree by a consistency proof. The log is also held against
// the largest checkpoint ever published, in the database or outside it (checkpoint file, webhook
// receiver, witnesses): a log shorter than one is `truncated`, another tree `forked`, and either
// raises the tenant's integrity alarm. The answer names the first seq of each problem and what broke.

import { SteleError } from '../domain/errors.js';
import {
  consistency, FORGETTING_ACTIONS, leafHashOf, LogVerifier, type ForgettingKind, type ForgottenRange, NoteError, openCheckpointByKey, verifyConsistency, type ExpectedRoot, type TombstoneRun, type VerificationFailure,
} from '@stele/integrity';
import type { IntegrityAlarms } from '../checkpoints/integrity-alarms.js';
import { checkLogAgainst, type PublishedCheckpoint } from '../checkpoints/log-guard.js';
import { iterateEvents } from '../query/event-iterator.js';
import { parseTimeExpression } from '../query/time-expression.js';
import { and, compare, eq, inList, sql, type Sql } from '../sql/fragments.js';
import type { CheckpointRecord, LogHead, Store } from '../store/port.js';
import { CONTENT_COLUMNS } from '../store/event-rows.js';
import type { SigningKey } from '../checkpoints/signing-key.js';
import { borderFromStore, proofFromStore, rootFromStore } from '../proofs/stored-nodes.js';

export interface VerifyRequest {
  from_seq?: number;
  to_seq?: number;
  since?: string;
  until?: string;
}

export interface VerifyFailure {
  seq: number;
  id: string;
  reason: VerificationFailure['reason'] | 'bad_signature' | 'truncated' | 'forked' | 'checkpoint_missing' | 'record_changed';
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  from_seq: number;
  to_seq: number;
  /**
   * Where the walk ended: past to_seq up to the first signed checkpoint after it, so that the
   * range's last events are held to a signature too (to_seq when none lies beyond it yet).
   */
  through_seq: number;
  checkpoints_checked: number;
  failures: VerifyFailure[];
  /** Seqs in the range whose content was legitimately forgotten, with the record that explains each run. */
  forgotten: ForgottenRange[];
}

/** A tombstone row that still holds content: any content column set, or an action or category. */
const TOMBSTONE_HOLDS_CONTENT = `(action <> '' OR category <> '' OR ${CONTENT_COLUMNS.map((c) => `${c} IS NOT NULL`).join(' OR ')})`;
const CHECKPOINTS_PER_READ = 10_000;
// Events per canonical-rows page: big enough that per-page costs (a statement to plan, a pooled
// connection, a call into native code) vanish, small enough to stay near 15 MB while it is read.
// Pages requested ahead are built meanwhile on the other core (PostgreSQL's server, SQLite's page
// workers).
const CANONICAL_PAGE_SIZE = 16384;
const PAGES_AHEAD = 3;

export interface VerificationDeps {
  store: Store;
  key: SigningKey;
  now?: () => number;
  /** Every checkpoint known to have been published for a tenant, inside the database and out (CheckpointService.published). */
  published?: (tenantId: string) => Promise<PublishedCheckpoint[]>;
  alarms?: IntegrityAlarms;
  /** Checkpoints read at a time (default 10,000; tests make pages small). */
  checkpointsPerRead?: number;
}

export function createVerificationService(deps: VerificationDeps) {
  const { store, key } = deps;
  const now = deps.now ?? Date.now;

  async function seqRangeOf(tenantId: string, request: VerifyRequest, headSize: number): Promise<[number, number] | undefined> {
    let from = request.from_seq ?? 1;
    let to = Math.min(request.to_seq ?? headSize, headSize);
    if (request.since !== undefined || request.until !== undefined) {
      const parts: Sql[] = [];
      for (const [field, op] of [['since', '>='], ['until', '<']] as const) {
        const text = request[field];
        if (text === undefined) continue;
        const ms = parseTimeExpression(text, now());
        if (ms === undefined) throw new SteleError('invalid_request', `${field} must be an ISO time or relative (now-7d)`, [{ field, message: 'invalid time' }]);
        parts.push(compare('occurred_at', op, ms));
      }
      const first = await store.findEvents(tenantId, { where: and(parts), order: { key: 'seq', direction: 'asc' }, limit: 1 });
      const last = await store.findEvents(tenantId, { where: and(parts), order: { key: 'seq', direction: 'desc' }, limit: 1 });
      if (!first[0] || !last[0]) return undefined;
      from = Math.max(from, first[0].seq);
      to = Math.min(to, last[0].seq);
    }
    return from <= to ? [from, to] : undefined;
  }

  /** The signed roots of every stored checkpoint with from <= tree size <= to, smallest first, read a page at a time. */
  async function signedRoots(tenantId: string, from: number, to: number, failures: VerifyFailure[]): Promise<ExpectedRoot[]> {
    const roots: ExpectedRoot[] = [];
    const perRead = deps.checkpointsPerRead ?? CHECKPOINTS_PER_READ;
    for (let minSize = from; minSize <= to;) {
      const page = await store.listCheckpoints(tenantId, { minSize, maxSize: to, limit: perRead });
      for (const cp of page) if (openSigned(cp, failures)) roots.push({ size: cp.tree_size, rootHash: cp.root_hash });
      if (page.length < perRead) break;
      minSize = page[page.length - 1]!.tree_size + 1;
    }
    return roots;
  }

  /**
   * Where the walk ends: the range's end, or, when a signed checkpoint (stored, or published
   * outside) lies beyond it within the log, the first such one, whose root the walk then recomputes.
   */
  async function endOfWalk(tenantId: string, to: number, headSize: number, published: readonly PublishedCheckpoint[], roots: ExpectedRoot[], failures: VerifyFailure[]): Promise<number> {
    if (roots.at(-1)?.size === to || to >= headSize) return to;
    const [next] = await store.listCheckpoints(tenantId, { minSize: to + 1, maxSize: headSize, limit: 1 });
    let end = next && openSigned(next, failures) ? next.tree_size : Infinity;
    for (const cp of published) if (cp.rootHash && cp.size > to && cp.size <= headSize && cp.size < end) end = cp.size;
    if (end === Infinity) return to;
    if (next?.tree_size === end) roots.push({ size: end, rootHash: next.root_hash });
    return end;
  }

  /** A checkpoint whose signature does not verify with the instance key is itself a failure. */
  function openSigned(cp: CheckpointRecord, failures: VerifyFailure[]): boolean {
    try {
      const body = openCheckpointByKey(cp.note, key.publicKey);
      if (body.size !== cp.tree_size || !Buffer.from(body.rootHash).equals(Buffer.from(cp.root_hash))) throw new NoteError('bad_signature', 'stored columns differ from the signed note');
      return true;
    } catch (error) {
      failures.push({ seq: cp.tree_size, id: '', reason: 'bad_signature', message: `checkpoint at tree size ${cp.tree_size} does not carry a valid signature: ${(error as Error).message}` });
      return false;
    }
  }

  async function checkEarlierCheckpoints(tenantId: string, before: CheckpointRecord[], from: number, failures: VerifyFailure[]) {
    const size2 = from - 1;
    if (size2 < 1) return;
    const root2 = await rootFromStore(store, tenantId, size2);
    for (const cp of before) {
      if (!openSigned(cp, failures)) continue;
      const proof = await proofFromStore(store, tenantId, consistency(cp.tree_size, size2));
      try {
        if (cp.tree_size === size2) {
          if (!Buffer.from(cp.root_hash).equals(Buffer.from(root2))) throw new Error('roots differ');
        } else {
          verifyConsistency(cp.tree_size, size2, proof, cp.root_hash, root2);
        }
      } catch {
        failures.push({ seq: cp.tree_size, id: '', reason: 'root_mismatch', message: `the stored tree is not consistent with the signed checkpoint at tree size ${cp.tree_size}: events up to seq ${cp.tree_size} were changed` });
      }
    }
  }

  /**
   * Holds the log against the largest checkpoint ever published: signed checkpoints the database
   * holds beyond the log's end, and the copies outside it. A contradiction is a failure and raises
   * the tenant's alarm. Returns the head the log was held against, and the published checkpoints,
   * for their roots to be recomputed.
   */
  async function checkPublished(tenantId: string, failures: VerifyFailure[]): Promise<{ head: LogHead; published: PublishedCheckpoint[] }> {
    // What was published is read before the head it is held against: a log only grows, so every
    // checkpoint published by then lies within a head read after it, unless events are gone. The
    // earlier head only bounds the read of stored checkpoints. Read the other way round, another
    // process's commit and checkpoint between the two reads looked like a truncation.
    const earlier = await store.getHead(tenantId);
    const stored = await store.listCheckpoints(tenantId, { minSize: earlier.size + 1, maxSize: Number.MAX_SAFE_INTEGER, limit: 1000 });
    const outside = (await deps.published?.(tenantId)) ?? [];
    const head = await store.getHead(tenantId);
    // Those the log has grown past meanwhile are inside it, and checked there like any other.
    const beyond = stored.filter((cp) => cp.tree_size > head.size);
    const published: PublishedCheckpoint[] = [
      ...beyond.filter((cp) => openSigned(cp, failures)).map((cp) => ({ size: cp.tree_size, rootHash: cp.root_hash, source: 'the database' })),
      ...outside,
    ];
    const verdict = await checkLogAgainst(store, tenantId, head, published);
    if (!verdict.ok) {
      deps.alarms?.raise(tenantId, { kind: verdict.kind, size: verdict.size, source: verdict.source, message: verdict.message });
      failures.push({ seq: verdict.kind === 'truncated' ? head.size + 1 : verdict.size, id: '', reason: verdict.kind, message: verdict.message });
    }
    // A checkpoint published outside but gone from the database: the log may be whole, but its records were deleted.
    const named = new Set<number>();
    for (const cp of published) {
      if (cp.source === 'the database' || !cp.rootHash || cp.size > head.size || named.has(cp.size) || (await store.getCheckpoint(tenantId, cp.size))) continue;
      named.add(cp.size);
      failures.push({ seq: cp.size, id: '', reason: 'checkpoint_missing', message: `the checkpoint at tree size ${cp.size}, which ${cp.source} holds, is gone from the database` });
    }
    return { head, published };
  }

  /**
   * The tombstones with afterSeq < seq <= throughSeq as one run of seqs per record, each with the
   * marker its rows carry; undefined when some record's are not one run, or when some tombstone
   * still holds content (the page then goes event by event, which names what is wrong).
   */
  async function tombstoneRuns(tenantId: string, afterSeq: number, throughSeq: number): Promise<TombstoneRun[] | undefined> {
    const rows = await store.aggregateEvents(tenantId, {
      where: and([compare('seq', '>', afterSeq), compare('seq', '<=', throughSeq), sql('forgotten_kind IS NOT NULL')]),
      keys: [sql('forgotten_kind'), sql('forgotten_by')],
      measures: [sql('min(seq)'), sql('max(seq)'), sql('count(*)'), sql(`sum(CASE WHEN ${TOMBSTONE_HOLDS_CONTENT} THEN 1 ELSE 0 END)`)],
    });
    const runs: TombstoneRun[] = [];
    for (const [kind, by, min, max, count, holding] of rows) {
      if (typeof min !== 'number' || typeof max !== 'number' || count !== max - min + 1 || Number(holding) > 0) return undefined;
      runs.push([min, max, { kind: kind as ForgettingKind, by_seq: Number(by) }]);
    }
    return runs.sort((a, b) => a[0] - b[0]);
  }

  /**
   * Pushes events from..to into the verifier: page by page through the store's canonical rows when
   * it has them, falling back to events for any page the fast path does not accept.
   */
  async function feedEvents(tenantId: string, verifier: LogVerifier, from: number, to: number): Promise<void> {
    const pushEvents = async (afterSeq: number, throughSeq: number) => {
      for await (const event of iterateEvents(store, tenantId, { where: compare('seq', '<=', throughSeq), afterSeq, replica: { atLeastSeq: throughSeq } })) verifier.push(event);
    };
    const readPage = store.readCanonicalRows?.bind(store);
    if (!readPage) return pushEvents(from - 1, to);
    // Pages are fixed seq windows, so the next ones can be requested before this one is checked:
    // the database builds them meanwhile. A window the database cannot encode (only a
    // hand-edited row makes one) reads as undefined, and so does an empty one.
    const windows: [afterSeq: number, throughSeq: number][] = [];
    for (let after = from - 1; after < to; after += CANONICAL_PAGE_SIZE) windows.push([after, Math.min(after + CANONICAL_PAGE_SIZE, to)]);
    // A page with tombstones goes the fast way too when they form one run per record (as purges
    // make them): the store says where they are in the same breath as it reads the page.
    const read = ([after, through]: [number, number]) => Promise.all([
      readPage(tenantId, after, through, CANONICAL_PAGE_SIZE).catch(() => undefined),
      tombstoneRuns(tenantId, after, through).catch(() => undefined),
    ]);
    const inFlight = windows.slice(0, PAGES_AHEAD).map(read);
    for (let i = 0; i < windows.length; i++) {
      const [page, runs] = (await inFlight.shift())!;
      const ahead = windows[i + PAGES_AHEAD];
      if (ahead) inFlight.push(read(ahead));
      if (!page || !runs || !verifier.pushCanonicalRows(page, runs)) await pushEvents(...(windows[i] as [number, number]));
    }
  }

  /**
   * Hands the verifier every forgetting record from seq `from` on (also those beyond the range, and
   * those inside pages the fast path accepts whole without making events of them). Each must hash
   * to its stored leaf; inside the range the walk then ties that leaf to the chain and the tree.
   */
  async function explainForgetting(tenantId: string, verifier: LogVerifier, from: number, failures: VerifyFailure[]): Promise<number> {
    const where = and([inList('action', Object.keys(FORGETTING_ACTIONS)), sql('forgotten_kind IS NULL')]);
    let last = from - 1;
    for await (const record of iterateEvents(store, tenantId, { where, afterSeq: from - 1 })) {
      last = record.seq;
      if (Buffer.from(leafHashOf(record)).toString('hex') === record.leaf_hash) verifier.explain(record);
      else failures.push({ seq: record.seq, id: record.id, reason: 'record_changed', message: `the ${record.action} record ${record.id} no longer matches its leaf hash: the seqs it names are not taken as explained` });
    }
    return last;
  }

  return {
    async verify(tenantId: string, request: VerifyRequest): Promise<VerifyResult> {
      for (const field of ['from_seq', 'to_seq'] as const) {
        const v = request[field];
        if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new SteleError('invalid_request', `${field} must be a positive integer`, [{ field, message: 'invalid' }]);
      }
      const failures: VerifyFailure[] = [];
      const { head, published } = await checkPublished(tenantId, failures);
      const range = await seqRangeOf(tenantId, request, head.size);
      if (!range) {
        const to = request.to_seq ?? head.size;
        return { ok: failures.length === 0, checked: 0, from_seq: request.from_seq ?? 1, to_seq: to, through_seq: to, checkpoints_checked: 0, failures, forgotten: [] };
      }
      const [from, to] = range;
      // Every signed checkpoint inside the range is recomputed from the rows; the latest before it
      // ties the stored tree the range starts from; and the first after it ties its end: events
      // past the last signature inside the range are walked on to that one, or the DBA who
      // rewrote one of them and its chain would see the range pass.
      const inside = await signedRoots(tenantId, from, to, failures);
      const [before] = from > 1 ? await store.listCheckpoints(tenantId, { minSize: 1, maxSize: from - 1, limit: 1, order: 'newest' }) : [];
      const through = await endOfWalk(tenantId, to, head.size, published, inside, failures);
      // Published copies with a root inside the walk are recomputed from the rows too.
      for (const cp of published) {
        if (cp.rootHash && cp.size >= from && cp.size <= through && !inside.some((root) => root.size === cp.size)) inside.push({ size: cp.size, rootHash: cp.rootHash });
      }
      if (before) await checkEarlierCheckpoints(tenantId, [before], from, failures);

      let prevChainHash: Uint8Array | undefined;
      let border: Uint8Array[] | undefined;
      if (from > 1) {
        const [previous] = await store.findEvents(tenantId, { where: eq('seq', from - 1), order: { key: 'seq', direction: 'asc' }, limit: 1 });
        prevChainHash = previous ? Buffer.from(previous.chain_hash, 'hex') : undefined;
        border = await borderFromStore(store, tenantId, from - 1).catch(() => undefined);
        if (!previous) failures.push({ seq: from - 1, id: '', reason: 'event_missing', message: `event ${from - 1}, which anchors the range, is missing` });
      }
      const verifier = new LogVerifier({
        firstSeq: from,
        ...(prevChainHash && { prevChainHash }),
        ...(from === 1 ? {} : border ? { border } : {}),
        expectedRoots: inside.sort((a, b) => a.size - b.size),
      });
      const recordFailures: VerifyFailure[] = [];
      const explainedThrough = await explainForgetting(tenantId, verifier, from, recordFailures);
      await feedEvents(tenantId, verifier, from, through);
      // A purge, deletion or erasure running meanwhile appends its record before it makes its
      // tombstones: every tombstone the walk met has its record in the log by now. The verifier
      // matches tombstones to records only when it finishes, so those appended during the walk are
      // handed over here (without this, a verify beside a purge reported content_removed).
      await explainForgetting(tenantId, verifier, explainedThrough + 1, recordFailures);
      const summary = verifier.finish();
      // A changed record inside the range is already content_changed; one beyond it is named here.
      failures.push(...recordFailures.filter((f) => f.seq > through));
      if (summary.lastSeq < through && !summary.failures.some((f) => f.reason === 'event_missing')) {
        failures.push({ seq: summary.lastSeq + 1, id: '', reason: 'event_missing', message: `events ${summary.lastSeq + 1}..${through} are missing` });
      }
      const all = [...failures, ...summary.failures].sort((a, b) => a.seq - b.seq);
      return {
        ok: all.length === 0, checked: summary.checked, from_seq: from, to_seq: to, through_seq: through,
        checkpoints_checked: inside.length + (before ? 1 : 0), failures: all, forgotten: summary.forgotten.filter((f) => f.from_seq <= to),
      };
    },
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
