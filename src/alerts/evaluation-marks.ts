// Events a process committed but had not evaluated when it died are evaluated all the same, by
// another process or by the next one on the same database. Evaluation runs after the commit, from
// a queue in memory (alert-evaluator.ts), so without this an `any` or `first_seen` match among
// the last events before a crash never fired (a window is counted from the log, so a threshold
// only lost the crossing moment).
//
// Each process keeps one instance-wide record (`alert_evaluation_mark`, its id the process's own)
// saying, per tenant, from which seq its commits may not have been evaluated yet, and when it was
// last alive. The mark is written before the process's first commit for a tenant with rules (its
// head + 1 then: every later commit of this process lands above it), so no acknowledged event is
// ever outside a mark; it moves up once the evaluator has caught up with what this process
// committed, and a tenant this process has not written to for a minute is dropped from it. A
// process that stops cleanly removes its record after its last evaluation.
//
// A record whose process has not beaten for `deadAfterMs` is taken, under a lease (one process
// at a time), by the alerts worker of another: it evaluates each tenant's events from the mark to
// the head, read back from the log in chunks, moving the dead mark up as it goes, and removes the
// record. That range may hold other processes' events, which they evaluated already: evaluation
// is idempotent where it fires (an alert's id is a hash of rule, group and period or event, and a
// second insert of it does nothing; alert-service.ts), so evaluating an event twice only costs
// the reads.

import { randomUUID } from 'node:crypto';
import type { Leases } from '../background/lease.js';
import { runPendingJobs, type PendingJobsLog } from '../background/pending-jobs.js';
import type { Store } from '../store/port.js';
import type { SeqRun } from './alert-evaluator.js';

const KIND = 'alert_evaluation_mark';
const INSTANCE = '*';
/** Events per chunk a recovery hands the evaluator before it waits for it. */
const RECOVERY_CHUNK = 10_000;

export interface MarkBody {
  /** The last time the process said it was alive. */
  beat_at: string;
  /** Per tenant: the lowest seq of this process's commits that may not have been evaluated. */
  tenants: Record<string, number>;
}

/** The evaluator as the marks see it (in-process, or the alerts thread's client). */
export interface MarkedEvaluator {
  /** Evaluates the tenant's stored events in these seq runs (read back from the log). */
  onStored(tenantId: string, runs: SeqRun[]): void;
  /** True once everything handed over so far is evaluated; false while some of it waits for a thread. */
  settled(): Promise<boolean>;
}

export interface EvaluationMarksOptions {
  store: Pick<Store, 'getHead' | 'insertRecord' | 'updateRecord' | 'getRecord' | 'deleteRecord' | 'listRecords'>;
  evaluator: MarkedEvaluator;
  /** Whether the tenant has enabled rules now (the alert service's cache). */
  hasRules(tenantId: string): Promise<boolean>;
  leases: Leases;
  now: () => number;
  log: PendingJobsLog & { info(details: object, message: string): void };
  /** How often the record is written while nothing changes (default 5 s). */
  beatMs?: number;
  /** A record not written for this long is a dead process's (default 30 s). */
  deadAfterMs?: number;
  /** A tenant this process has not appended to for this long leaves its mark (default 60 s). */
  idleTenantMs?: number;
}

interface TenantMark {
  from: number;
  /** The highest seq this process committed for the tenant since the mark was set. */
  committed: number;
  appending: number;
  touchedAt: number;
}

export function createEvaluationMarks(options: EvaluationMarksOptions) {
  const { store, evaluator, now, log } = options;
  const beatMs = options.beatMs ?? 5_000;
  const deadAfterMs = options.deadAfterMs ?? 30_000;
  const idleTenantMs = options.idleTenantMs ?? 60_000;
  const instance = randomUUID();
  const ownKey = { kind: KIND, tenantId: INSTANCE, id: instance };
  const marks = new Map<string, TenantMark>();
  const marking = new Map<string, Promise<boolean>>();
  let lastWrite = 0;
  let writes = Promise.resolve();

  const stamp = () => new Date(now()).toISOString();

  /** Writes the record as the marks are now; writes run one after another, each with the latest marks. */
  function save(): Promise<void> {
    const written = writes.then(async () => {
      const body: MarkBody = { beat_at: stamp(), tenants: Object.fromEntries([...marks].map(([tenantId, mark]) => [tenantId, mark.from])) };
      if (!(await store.updateRecord(ownKey, body, stamp()))) await store.insertRecord(ownKey, body, stamp());
      lastWrite = now();
    });
    writes = written.catch(() => {});
    return written;
  }

  /** Sets the tenant's mark above its head, durably; false (no mark) when the tenant has no enabled rule. */
  async function mark(tenantId: string): Promise<boolean> {
    if (!(await options.hasRules(tenantId))) return false;
    if (!marks.has(tenantId)) {
      const head = await store.getHead(tenantId);
      marks.set(tenantId, { from: head.size + 1, committed: head.size, appending: 0, touchedAt: now() });
    }
    await save();
    return true;
  }

  /**
   * Runs one of ingest's appends for the tenant: after its mark is written when the tenant has
   * rules, and counted while it runs (a tenant never leaves its mark with an append in flight).
   */
  async function whileAppending<T>(tenantId: string, append: () => Promise<T>): Promise<T> {
    let held = marks.get(tenantId);
    if (!held) {
      let marked = marking.get(tenantId);
      if (!marked) {
        marked = mark(tenantId).finally(() => marking.delete(tenantId));
        marking.set(tenantId, marked);
      }
      if (!(await marked)) return append();
      held = marks.get(tenantId);
      // Dropped again in between (idle for a minute while this waited): mark it afresh.
      if (!held) return whileAppending(tenantId, append);
    }
    held.appending++;
    held.touchedAt = now();
    try {
      return await append();
    } finally {
      held.appending--;
    }
  }

  /** Ingest committed these seqs for the tenant (call before handing them to the evaluator). */
  function onCommitted(tenantId: string, lastSeq: number): void {
    const held = marks.get(tenantId);
    if (held && lastSeq > held.committed) held.committed = lastSeq;
  }

  /** Moves the marks up to what the evaluator has caught up with, drops idle tenants, and beats. */
  async function advance(): Promise<void> {
    const committed = new Map([...marks].map(([tenantId, held]) => [tenantId, held.committed]));
    let changed = false;
    if (await evaluator.settled()) {
      for (const [tenantId, through] of committed) {
        const held = marks.get(tenantId);
        if (held && through + 1 > held.from) {
          held.from = through + 1;
          changed = true;
        }
      }
      for (const [tenantId, held] of marks) {
        if (held.appending === 0 && held.from > held.committed && now() - held.touchedAt >= idleTenantMs) {
          marks.delete(tenantId);
          changed = true;
        }
      }
    }
    if (changed || (lastWrite > 0 && now() - lastWrite >= beatMs)) await save();
  }

  /** Records of processes that have stopped beating, oldest first. */
  async function deadRecords(): Promise<{ tenantId: string; id: string }[]> {
    const records = await store.listRecords<MarkBody>(KIND, INSTANCE, 1000);
    return records
      .filter((r) => r.id !== instance && now() - Date.parse(r.body.beat_at) >= deadAfterMs)
      .map((r) => ({ tenantId: INSTANCE, id: r.id }));
  }

  /** Evaluates what a dead process left, tenant by tenant and chunk by chunk, then removes its record. */
  async function recover(_tenantId: string, id: string, signal: AbortSignal): Promise<void> {
    const key = { kind: KIND, tenantId: INSTANCE, id };
    const record = await store.getRecord<MarkBody>(key);
    if (!record || now() - Date.parse(record.body.beat_at) < deadAfterMs) return;
    const left = { ...record.body.tenants };
    let evaluated = 0;
    for (const [tenantId, from] of Object.entries(record.body.tenants)) {
      const head = (await store.getHead(tenantId)).size;
      for (let start = from; start <= head; start += RECOVERY_CHUNK) {
        if (signal.aborted) return;
        const end = Math.min(head, start + RECOVERY_CHUNK - 1);
        evaluator.onStored(tenantId, [[start, end]]);
        if (!(await evaluator.settled())) return; // no thread to evaluate on now: the next pass goes on
        evaluated += end - start + 1;
        left[tenantId] = end + 1;
        await store.updateRecord(key, { beat_at: record.body.beat_at, tenants: left } satisfies MarkBody, stamp());
      }
      delete left[tenantId];
    }
    await store.deleteRecord(key);
    log.info({ instance: id, events: evaluated }, 'alert rules evaluated over the events a stopped process had left');
  }

  return {
    instance,
    whileAppending,
    onCommitted,
    advance,
    /** One pass over the records of dead processes (the alerts worker's, under a lease per record). */
    recoverDead: (signal: AbortSignal) => runPendingJobs({
      pending: deadRecords, run: recover, leases: options.leases, leaseName: (id) => `alert-evaluation:${id}`, what: 'alert evaluation of a stopped process', log,
    }, signal),
    /** A clean stop, after the evaluator's last pass: nothing is left to anyone. */
    async remove(): Promise<void> {
      marks.clear();
      await writes;
      if (lastWrite > 0) await store.deleteRecord(ownKey);
    },
  };
}

export type EvaluationMarks = ReturnType<typeof createEvaluationMarks>;
