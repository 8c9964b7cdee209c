// Signed checkpoints: the tenant's tree head (origin, size, root) as a C2SP signed note. Made
// at least every N events (after a commit crosses the threshold) or every T seconds when the log
// has grown, and on demand. Several nodes may race to make the same one; the store keeps one.
//
// The server never trusts its own database about what it has signed. Before signing, the log is
// checked against every checkpoint known to have been published — the largest one the database
// holds, the checkpoint file, the webhook receiver's answer, what witnesses have cosigned — and a
// log that is shorter (truncated) or another tree (forked) raises an alarm instead of a new
// checkpoint. A new checkpoint goes to the witnesses before it is stored or published, so a
// witness that saw more refuses it and nothing extends the forged history anywhere.

import { SteleError } from '../domain/errors.js';
import type { Lease, Leases } from '../background/lease.js';
import { SYSTEM_TENANT_ID } from '../audit-trail/system-log.js';
import {
  consistency, formatEvidenceStatement, NoteError, openCheckpointByKey, rootFromBorder, signCheckpoint, signNote, withSignatureLines, type EvidenceStatement,
} from '@stele/integrity';
import { proofFromStore } from '../proofs/stored-nodes.js';
import type { CheckpointRecord, LogHead, Store } from '../store/port.js';
import type { IntegrityAlarms } from './integrity-alarms.js';
import { checkLogAgainst, type LogVerdict, type PublishedCheckpoint } from './log-guard.js';
import { originOf } from './log-origin.js';
import type { OutsideCopies, WitnessContradiction } from './outside-copies.js';
import type { SigningKey } from './signing-key.js';

export interface CheckpointView {
  tree_size: number;
  root_hash: string;
  created_at: string;
  /** The signed note, with every witness cosignature line kept for it. */
  checkpoint: string;
  /** Names of the witnesses whose cosignatures the note carries. */
  witnesses: string[];
}

export interface CheckpointServiceOptions {
  store: Store;
  key: SigningKey;
  everyEvents: number;
  everySeconds: number;
  outside?: OutsideCopies;
  alarms?: IntegrityAlarms;
  now?: () => number;
  onError?: (error: unknown, tenantId: string) => void;
  /**
   * With several processes on one database: the T-seconds sweep runs only in the process that
   * holds the `checkpoint-sweep` lease, so one checkpoint is made per interval, not one per process.
   */
  leases?: Leases;
}

const WITNESS_NAME = /^\u2014 (\S+) /;

export function createCheckpointService(options: CheckpointServiceOptions) {
  const { store, key, outside, alarms } = options;
  const now = options.now ?? Date.now;
  const lastSize = new Map<string, number>();
  const inFlight = new Map<string, Promise<CheckpointView | undefined>>();
  /** Tenants whose commits onCommitted is looking at, with the largest size a commit has reported meanwhile (see there). */
  const looking = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;

  const originFor = (tenantId: string) => originOf(key.name, tenantId);

  async function viewOf(record: CheckpointRecord): Promise<CheckpointView> {
    const lines = await store.getCosignatures(record.tenant_id, record.tree_size);
    return {
      tree_size: record.tree_size,
      root_hash: Buffer.from(record.root_hash).toString('hex'),
      created_at: record.created_at,
      checkpoint: withSignatureLines(record.note, lines),
      witnesses: lines.map((line) => WITNESS_NAME.exec(line)?.[1] ?? '').filter(Boolean),
    };
  }

  // Per tenant, the last stored note this process signed or whose signature it checked, and what
  // it says: the same bytes read again need no second check (a checkpoint is made after every N
  // events, and each first checks the log against the latest stored one). A row changed in the
  // database has other bytes, and is checked.
  const verifiedNotes = new Map<string, { note: string; checkpoint: PublishedCheckpoint }>();

  /** The largest checkpoint the database holds, when it is signed by this instance's key (any name it had). */
  async function storedLargest(tenantId: string): Promise<PublishedCheckpoint | undefined> {
    const latest = await store.latestCheckpoint(tenantId);
    if (!latest) return undefined;
    const known = verifiedNotes.get(tenantId);
    if (known?.note === latest.note) return known.checkpoint;
    try {
      const opened = openCheckpointByKey(latest.note, key.publicKey);
      const checkpoint: PublishedCheckpoint = { size: opened.size, rootHash: opened.rootHash, source: 'the database' };
      verifiedNotes.set(tenantId, { note: latest.note, checkpoint });
      return checkpoint;
    } catch (error) {
      if (error instanceof NoteError) return undefined; // a forged row; verification names it
      throw error;
    }
  }

  /** Every checkpoint known to have been published for the tenant, inside the database and out. */
  async function published(tenantId: string): Promise<PublishedCheckpoint[]> {
    const [stored, outsideKnown] = await Promise.all([storedLargest(tenantId), outside?.known(tenantId, originFor(tenantId)) ?? []]);
    return [...(stored ? [stored] : []), ...outsideKnown];
  }

  /** Raises the tenant's alarm and returns the error that refuses the checkpoint. */
  function refuse(tenantId: string, verdict: Extract<LogVerdict, { ok: false }>): SteleError {
    alarms?.raise(tenantId, { kind: verdict.kind, size: verdict.size, source: verdict.source, message: verdict.message });
    return new SteleError('integrity_alarm', `Refusing to sign a checkpoint: ${verdict.message}.`, [], { alarm: verdict.kind });
  }

  /**
   * Witness answers that contradict the log. A witness ahead of this checkpoint is no contradiction
   * when the log has grown past the witness's size meanwhile (another node checkpointed it first).
   */
  async function contradiction(tenantId: string, answers: readonly WitnessContradiction[]): Promise<LogVerdict> {
    for (const { witness, answer } of answers) {
      const head = await store.getHead(tenantId);
      if (answer.kind === 'ahead' && answer.size <= head.size) continue;
      return answer.kind === 'ahead'
        ? { ok: false, kind: 'truncated', size: answer.size, source: `witness ${witness}`, message: `the log holds ${head.size} events, but a checkpoint of ${answer.size} events was published (known from witness ${witness}, which cosigned it): events ${head.size + 1}..${answer.size} are gone, by a restored backup or deleted rows` }
        : { ok: false, kind: 'forked', size: answer.size, source: `witness ${witness}`, message: `witness ${witness} refuses the log: ${answer.message}, so it was rewritten after it was witnessed` };
    }
    return { ok: true };
  }

  /** Shows the checkpoint to the witnesses and keeps their cosignatures; throws the alarm when one contradicts the log. */
  async function witness(record: CheckpointRecord): Promise<void> {
    if (!outside?.hasWitnesses) return;
    const { tenant_id: tenantId, tree_size: size } = record;
    const witnessed = await outside.witness({
      origin: originFor(tenantId), size, note: record.note,
      proofFrom: (old) => proofFromStore(store, tenantId, consistency(old, size)),
    });
    const verdict = await contradiction(tenantId, witnessed.contradictions);
    if (!verdict.ok) throw refuse(tenantId, verdict);
    await store.addCosignatures(tenantId, size, witnessed.cosignatures, new Date(now()).toISOString());
  }

  /** Checks the log against every published checkpoint; throws the alarm (SteleError integrity_alarm) when it contradicts one. */
  async function checkHead(tenantId: string): Promise<LogHead> {
    // What was published is read before the head: a log only grows, so every checkpoint published
    // by then lies within the head read after it, unless events are gone. Read the other way
    // round, another process's commit and checkpoint between the two reads looked like a
    // truncation (a false alarm, seen once with four processes appending to one PostgreSQL).
    const known = await published(tenantId);
    const head = await store.getHead(tenantId);
    const verdict = await checkLogAgainst(store, tenantId, head, known);
    if (!verdict.ok) throw refuse(tenantId, verdict);
    return head;
  }

  async function makeNow(tenantId: string): Promise<CheckpointView | undefined> {
    const head = await checkHead(tenantId);
    if (head.size === 0) {
      alarms?.clear(tenantId);
      return undefined;
    }
    const existing = await store.getCheckpoint(tenantId, head.size);
    // A stored checkpoint needs no new witnessing, unless a witness is what raised the alarm.
    if (existing) {
      if (alarms?.get(tenantId)) await witness(existing);
      alarms?.clear(tenantId);
      return viewOf(existing);
    }
    const rootHash = rootFromBorder(head.border);
    const record: CheckpointRecord = {
      tenant_id: tenantId, tree_size: head.size, root_hash: rootHash, created_at: new Date(now()).toISOString(),
      note: signCheckpoint({ origin: originFor(tenantId), size: head.size, rootHash }, key.name, key.privateKey),
    };
    // Witnessed before it is stored or published: a witness that saw more refuses it, and then
    // the checkpoint exists nowhere.
    await witness(record);
    alarms?.clear(tenantId);
    const stored = await store.insertCheckpoint(record);
    lastSize.set(tenantId, Math.max(lastSize.get(tenantId) ?? 0, head.size));
    // Signed here: read back with the same bytes, it needs no check of its signature.
    if (stored) verifiedNotes.set(tenantId, { note: record.note, checkpoint: { size: head.size, rootHash, source: 'the database' } });
    if (!stored) return viewOf((await store.getCheckpoint(tenantId, head.size)) ?? record);
    const view = await viewOf(record);
    // The file copy is flushed before callers see the checkpoint; the webhook follows.
    await outside?.publish(tenantId, view);
    return view;
  }

  /**
   * Makes a checkpoint of the tenant's head as it is when this call's turn comes. Calls for one
   * tenant run one after another, so a request never receives an older, still-running one.
   * Throws SteleError integrity_alarm when the log contradicts a published checkpoint.
   */
  function checkpoint(tenantId: string): Promise<CheckpointView | undefined> {
    const previous = inFlight.get(tenantId) ?? Promise.resolve(undefined);
    const job = previous.catch(() => undefined).then(() => makeNow(tenantId));
    inFlight.set(tenantId, job);
    void job.catch(() => undefined).finally(() => {
      if (inFlight.get(tenantId) === job) inFlight.delete(tenantId);
    });
    return job;
  }

  /**
   * At start: checks every tenant's log against the copies outside the database (the webhook
   * receiver is shown the latest stored checkpoint again, for its answer), and asks the witnesses too, so one that has cosigned more says so now rather than at the next checkpoint:
   * the latest stored checkpoint is shown to them again when it is the log's size, and otherwise
   * the log as it is now is checkpointed (a witness can only tell whether a tree extends what it
   * saw from a checkpoint of that tree). Alarms are raised as they are found.
   */
  async function checkAll(): Promise<void> {
    for (const tenant of await store.listTenants()) {
      try {
        const stored = await store.latestCheckpoint(tenant.id);
        if (stored) await outside?.remind(tenant.id, await viewOf(stored));
        const head = await checkHead(tenant.id);
        if (outside?.hasWitnesses && head.size > 0) {
          if (stored?.tree_size === head.size) await witness(stored);
          else await checkpoint(tenant.id);
        }
        alarms?.clear(tenant.id);
      } catch (error) {
        if (!(error instanceof SteleError && error.code === 'integrity_alarm')) options.onError?.(error, tenant.id);
      }
    }
  }

  async function sizeOfLatest(tenantId: string): Promise<number> {
    const known = lastSize.get(tenantId);
    if (known !== undefined) return known;
    const size = (await store.latestCheckpoint(tenantId))?.tree_size ?? 0;
    lastSize.set(tenantId, size);
    return size;
  }

  /**
   * Called after each commit: checkpoint once N events have accumulated. The size last known here
   * is read again before acting on it, as another process may have made the checkpoint already.
   * One look at a time per tenant: the commits that end while one looks (or makes the checkpoint)
   * are looked at together once it is done, by their largest size — single-event requests commit
   * hundreds of times a second, and each would otherwise make a checkpoint of its own a few events
   * after the last.
   */
  async function onCommitted(tenantId: string, newSize: number): Promise<void> {
    if (looking.has(tenantId)) {
      looking.set(tenantId, Math.max(looking.get(tenantId)!, newSize));
      return;
    }
    looking.set(tenantId, newSize);
    try {
      let looked = 0;
      while (looking.get(tenantId)! > looked) {
        looked = looking.get(tenantId)!;
        await checkpointIfDue(tenantId, looked);
      }
    } finally {
      looking.delete(tenantId);
    }
  }

  async function checkpointIfDue(tenantId: string, size: number): Promise<void> {
    if (size - (await sizeOfLatest(tenantId)) < options.everyEvents) return;
    lastSize.delete(tenantId);
    if (size - (await sizeOfLatest(tenantId)) >= options.everyEvents) await checkpoint(tenantId);
  }

  let sweepLease: Lease | undefined;

  /** Whether this process is the one that sweeps (always, without leases). */
  async function holdsSweep(): Promise<boolean> {
    if (!options.leases) return true;
    if (sweepLease && !sweepLease.signal.aborted) return true;
    sweepLease = await options.leases.acquire(SYSTEM_TENANT_ID, 'checkpoint-sweep');
    return sweepLease !== undefined;
  }

  /** Checkpoints every tenant whose log grew since its last checkpoint (the T-seconds rule). */
  async function sweep(): Promise<void> {
    if (!(await holdsSweep())) return;
    for (const { tenantId } of await store.checkpointBacklog()) {
      await checkpoint(tenantId).catch((error) => options.onError?.(error, tenantId));
    }
  }

  return {
    originOf: originFor,
    checkpoint,
    onCommitted,
    sweep,
    checkAll,
    published,
    async latest(tenantId: string): Promise<CheckpointView> {
      const record = await store.latestCheckpoint(tenantId);
      if (!record) throw new SteleError('not_found', 'This tenant has no checkpoint yet; POST /v1/integrity/checkpoints makes one.');
      return viewOf(record);
    },
    async atSize(tenantId: string, treeSize: number): Promise<CheckpointView> {
      const record = await store.getCheckpoint(tenantId, treeSize);
      if (!record) throw new SteleError('not_found', `No checkpoint at tree size ${treeSize}.`);
      return viewOf(record);
    },
    /** Signs an evidence file's statement (its count and leaf digest) with the instance key. */
    signEvidenceStatement: (statement: EvidenceStatement): string => signNote(formatEvidenceStatement(statement), key.name, key.privateKey),
    /** The checkpoint at exactly this size with its cosignatures, if one is stored. */
    async find(tenantId: string, treeSize: number): Promise<CheckpointView | undefined> {
      const record = await store.getCheckpoint(tenantId, treeSize);
      return record ? viewOf(record) : undefined;
    },
    /**
     * Starts the T-seconds sweep and the start-up check of every tenant (checkAll). Resolves once
     * that check is done; it never rejects (what it finds is raised as alarms or reported to onError).
     */
    start(): Promise<void> {
      if (timer) return Promise.resolve();
      const checked = checkAll().catch((error) => options.onError?.(error, '*'));
      timer = setInterval(() => void sweep().catch((error) => options.onError?.(error, '*')), options.everySeconds * 1000);
      timer.unref();
      return checked;
    },
    /** Stops the sweep; the lease, when held, is given up so another process sweeps at once. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      const lease = sweepLease;
      sweepLease = undefined;
      await lease?.release().catch(() => undefined);
    },
  };
}

export type CheckpointService = ReturnType<typeof createCheckpointService>;
