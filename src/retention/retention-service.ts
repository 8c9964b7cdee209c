// Retention, legal hold, deletion by id and erasure of a person: everything that makes the log
// forget. Each goes the same way: first a signed record in the tenant's own log that names the
// seqs about to be forgotten (retention.purged, audit.deleted, audit.erased), then the store's one
// forgetting path (Store.forgetEvents) turns those events into tombstones. Verification accepts a
// tombstone only with such a record, so the order matters: a crash between the two leaves a record
// of events still whole, which is harmless, never a tombstone without its record.

import { FORGETTING_ACTIONS, seqRanges } from '@stele/integrity';
import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Requester } from '../audit-trail/requester.js';
import { SYSTEM_REQUESTER } from '../audit-trail/requester.js';
import { SteleError } from '../domain/errors.js';
import type { JsonObject, StoredEvent } from '../domain/event.js';
import { uuidv7 } from '../domain/ids.js';
import { and, compare, eq, inList, not, or, sql, type Sql } from '../sql/fragments.js';
import type { Store } from '../store/port.js';
import type { Redaction } from './redaction.js';
import type { ErasureBody, PolicyBody, PurgeRun, RetentionRecords } from './retention-policy.js';

export const DAY_MS = 86_400_000;
/** The longest custom window: 100 years. */
export const MAX_DAYS = 36_500;
const MAX_REASON = 1000;
// Events read per page while looking for what to forget.
const READ_PAGE = 2000;
// Forgetting batches: the first one's size, the smallest, and how long one should take.
const FIRST_BATCH = 500;
const MIN_BATCH = 50;
const BATCH_TARGET_MS = 50;
// Seqs named by one record at most (and its ranges bounded), so a record stays a small event.
const PER_RECORD = 50_000;
const RANGES_PER_RECORD = 2000;

const WHOLE = sql('forgotten_kind IS NULL');
const NOT_A_RECORD = not(inList('action', Object.keys(FORGETTING_ACTIONS)));

export interface RetentionView {
  days: number | null;
  /** The instance default, which applies while the tenant has set none. */
  default_days: number | null;
  /** `tenant` when the tenant set its window, `default` otherwise. */
  source: 'tenant' | 'default';
  legal_hold: boolean;
  reason: string | null;
  updated_at: string | null;
  next_purge_at: string | null;
  last_purge: PurgeRun | null;
}

export interface RetentionChange {
  days?: number | null;
  legal_hold?: boolean;
  reason?: string;
}

export interface PurgeOptions {
  dryRun?: boolean;
  /** Stops between batches. */
  signal?: AbortSignal;
  /** Told after each batch (the CLI's progress). */
  onBatch?: (done: number) => void;
}

export interface RetentionDeps {
  store: Store;
  trail: AuditTrail;
  records: RetentionRecords;
  redaction: Redaction;
  defaultDays: number | null;
  /** Events per forgetting transaction. */
  batchSize: number;
  /** How often the purge job runs (0: never); for next_purge_at. */
  purgeIntervalMs: number;
  now?: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function reasonOf(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_REASON) {
    throw new SteleError('invalid_request', `reason is required: a text of 1 to ${MAX_REASON} characters saying why`, [{ field: 'reason', message: 'required' }]);
  }
  return value.trim();
}

export function createRetentionService(deps: RetentionDeps) {
  const { store, trail, records, redaction } = deps;
  const now = deps.now ?? Date.now;

  async function policyOf(tenantId: string): Promise<{ days: number | null; legal_hold: boolean; reason: string | null; set: PolicyBody | undefined }> {
    const set = await records.policy(tenantId);
    return { days: set ? set.days : deps.defaultDays, legal_hold: set?.legal_hold ?? false, reason: set?.reason ?? null, set };
  }

  async function refuseUnderHold(tenantId: string, what: string): Promise<void> {
    const policy = await policyOf(tenantId);
    if (policy.legal_hold) throw new SteleError('legal_hold', `The tenant's log is under legal hold (${policy.reason ?? 'no reason given'}): ${what} is refused until the hold is lifted.`);
  }

  /**
   * Writes the record naming `seqs`, then forgets them in batches sized so that each takes about
   * BATCH_TARGET_MS (never more than the configured size), with a pause twice as long as the batch
   * took after each: appends get at least two thirds of the time, and on SQLite, where a batch
   * holds the process's only connection, no append waits longer than one batch.
   */
  async function forget(tenantId: string, seqs: number[], kind: 'purged' | 'deleted' | 'erased', record: (ranges: [number, number][]) => Parameters<AuditTrail['recordAndNumber']>[1], signal?: AbortSignal) {
    const ranges = seqRanges(seqs);
    const bySeq = await trail.recordAndNumber(tenantId, record(ranges));
    let forgotten = 0;
    let bytesFreed = 0;
    let size = Math.min(FIRST_BATCH, deps.batchSize);
    for (let start = 0; start < seqs.length;) {
      if (start > 0 && signal?.aborted) break;
      const began = performance.now();
      const outcome = await store.forgetEvents(tenantId, seqs.slice(start, start + size), { kind, bySeq });
      forgotten += outcome.forgotten;
      bytesFreed += outcome.bytesFreed;
      start += size;
      const took = performance.now() - began;
      size = Math.max(MIN_BATCH, Math.min(deps.batchSize, Math.round(size * Math.min(2, BATCH_TARGET_MS / Math.max(took, 1)))));
      if (start < seqs.length) await pause(Math.min(2000, 2 * took));
    }
    return { bySeq, ranges, forgotten, bytesFreed };
  }

  /**
   * The seqs of whole events matching `where`, in order of `order`, at most PER_RECORD of them and
   * no more than RANGES_PER_RECORD runs: one record's worth.
   */
  async function collect(tenantId: string, where: Sql, byTime: boolean): Promise<number[]> {
    const seqs: number[] = [];
    let cursor: { at: number; seq: number } | undefined;
    let runs = 0;
    let last = -2;
    for (;;) {
      const after = cursor === undefined ? [] : byTime
        ? [or([compare('occurred_at', '>', cursor.at), and([eq('occurred_at', cursor.at), compare('seq', '>', cursor.seq)])])]
        : [compare('seq', '>', cursor.seq)];
      const page = await store.findEvents(tenantId, {
        where: and([where, ...after]), order: { key: byTime ? 'occurred_at' : 'seq', direction: 'asc' }, limit: READ_PAGE,
      });
      for (const event of page) {
        if (event.seq !== last + 1) runs++;
        last = event.seq;
        seqs.push(event.seq);
        if (seqs.length >= PER_RECORD || runs >= RANGES_PER_RECORD) return seqs;
      }
      if (page.length < READ_PAGE) return seqs;
      const tail = page[page.length - 1]!;
      cursor = { at: Date.parse(tail.occurred_at), seq: tail.seq };
    }
  }

  async function view(tenantId: string): Promise<RetentionView> {
    const policy = await policyOf(tenantId);
    const last = (await records.lastRun(tenantId)) ?? null;
    const next = deps.purgeIntervalMs > 0 ? iso((last && !last.dry_run ? Date.parse(last.finished_at) : now()) + deps.purgeIntervalMs) : null;
    return {
      days: policy.days, default_days: deps.defaultDays, source: policy.set ? 'tenant' : 'default',
      legal_hold: policy.legal_hold, reason: policy.reason, updated_at: policy.set?.updated_at ?? null,
      next_purge_at: next, last_purge: last,
    };
  }

  return {
    view,

    async change(tenantId: string, change: RetentionChange, by: Requester): Promise<RetentionView> {
      if (change.days !== undefined && change.days !== null && (!Number.isInteger(change.days) || change.days < 1 || change.days > MAX_DAYS)) {
        throw new SteleError('invalid_request', `days must be a whole number of days from 1 to ${MAX_DAYS} (90, 365, 730 or any other), or null to keep events forever`, [{ field: 'days', message: 'out of range' }]);
      }
      const before = await policyOf(tenantId);
      const holdChanges = change.legal_hold !== undefined && change.legal_hold !== before.legal_hold;
      const reason = reasonOf(change.reason, holdChanges);
      const body: PolicyBody = {
        days: change.days !== undefined ? change.days : before.days,
        legal_hold: change.legal_hold ?? before.legal_hold,
        reason: holdChanges ? reason! : before.reason,
        updated_at: iso(now()),
        updated_by: by.actor,
      };
      const target = { type: 'retention', id: tenantId };
      // The events first: a change whose event cannot be written is not made.
      if (body.days !== before.days) {
        await trail.record(tenantId, { action: 'retention.changed', ...by, target, details: { days: { from: before.days, to: body.days }, ...(reason && { reason }) } });
      }
      if (holdChanges) {
        await trail.record(tenantId, { action: body.legal_hold ? 'legal_hold.set' : 'legal_hold.lifted', ...by, target, details: { reason: reason! } });
      }
      await records.setPolicy(tenantId, body);
      return view(tenantId);
    },

    /**
     * Forgets the content of the tenant's whole events older than its window (records of earlier
     * forgetting excepted: they are what proves it), one record per up to 50,000 events.
     */
    async purge(tenantId: string, options: PurgeOptions = {}): Promise<PurgeRun> {
      const started = now();
      const policy = await policyOf(tenantId);
      const run: PurgeRun = {
        started_at: iso(started), finished_at: iso(started), dry_run: options.dryRun ?? false,
        cutoff: policy.days === null ? null : iso(started - policy.days * DAY_MS), days: policy.days,
        purged: 0, bytes_freed: 0, records: 0, seq_ranges: [],
      };
      const finish = async (skipped?: string) => {
        run.finished_at = iso(now());
        if (skipped) run.skipped = skipped;
        if (!run.dry_run) await records.setLastRun(tenantId, run);
        return run;
      };
      if (policy.days === null) return finish('forever');
      if (policy.legal_hold) return finish('legal_hold');
      const where = and([WHOLE, compare('occurred_at', '<', started - policy.days * DAY_MS), NOT_A_RECORD]);
      if (run.dry_run) {
        run.purged = await store.countEvents(tenantId, where);
        return finish();
      }
      for (;;) {
        if (options.signal?.aborted) return finish('stopped');
        // A hold set while a purge runs stops it before the next record.
        if ((await policyOf(tenantId)).legal_hold) return finish('legal_hold');
        const seqs = await collect(tenantId, where, true);
        if (seqs.length === 0) break;
        const done = await forget(tenantId, seqs, 'purged', (ranges) => ({
          action: 'retention.purged', ...SYSTEM_REQUESTER, target: { type: 'log', id: tenantId },
          details: { count: seqs.length, seq_ranges: ranges, cutoff: run.cutoff!, days: policy.days! },
        }), options.signal);
        run.purged += done.forgotten;
        run.bytes_freed += done.bytesFreed;
        run.records += 1;
        // The run's summary keeps the first 1000 runs of seqs; the records hold them all.
        run.seq_ranges = mergeRanges(run.seq_ranges, done.ranges).slice(0, 1000);
        options.onBatch?.(run.purged);
      }
      if (run.purged > 0) await store.reclaimSpace?.();
      return finish();
    },

    /** Deletes one event by id: a tombstone and an audit.deleted record of who and why. */
    async deleteEvent(tenantId: string, id: string, reasonText: unknown, by: Requester): Promise<void> {
      const reason = reasonOf(reasonText, true)!;
      const event = await store.getEvent(tenantId, id);
      if (!event) throw new SteleError('not_found', `No event ${id} in this log.`);
      if (event.forgotten) throw new SteleError('conflict', `Event ${id} was already ${event.forgotten.kind}.`);
      if (Object.hasOwn(FORGETTING_ACTIONS, event.action)) {
        throw new SteleError('conflict', `Event ${id} is a ${event.action} record: it is what proves that earlier events were forgotten legitimately, so it is kept.`);
      }
      await refuseUnderHold(tenantId, 'deleting an event');
      await forget(tenantId, [event.seq], 'deleted', (ranges) => ({
        action: 'audit.deleted', ...by, target: { type: 'event', id },
        details: { reason, seq_ranges: ranges, count: 1 },
      }));
    },

    /** Erases a person: every whole event whose actor is them becomes a tombstone. */
    async erase(tenantId: string, subject: { actor_id?: unknown; email?: unknown }, reasonText: unknown, by: Requester): Promise<ErasureBody> {
      const given = (['actor_id', 'email'] as const).filter((f) => subject[f] !== undefined);
      if (given.length !== 1 || typeof subject[given[0]!] !== 'string' || (subject[given[0]!] as string).length === 0 || (subject[given[0]!] as string).length > 1024) {
        throw new SteleError('invalid_request', 'give exactly one of actor_id or email (a non-empty text): whose events to erase', [{ field: 'actor_id', message: 'one of actor_id, email' }]);
      }
      const field = given[0]!;
      const value = subject[field] as string;
      const reason = reasonOf(reasonText, true)!;
      await refuseUnderHold(tenantId, 'erasing a person');
      const erasure: ErasureBody = {
        id: uuidv7(now()), created_at: iso(now()), created_by: by.actor,
        subject: { field, hmac: await redaction.hash(tenantId, value) },
        reason, count: 0, seq_ranges: [], record_seqs: [],
      };
      // actor.email may have been redacted at ingest while redaction was on (redaction.ts), so it
      // is matched as sent and as the HMAC redaction stored for it; actor.id is never redacted.
      const where = and([WHOLE, field === 'actor_id' ? eq('actor_id', value) : inList('actor_email', [value, erasure.subject.hmac]), NOT_A_RECORD]);
      for (;;) {
        const seqs = await collect(tenantId, where, false);
        if (seqs.length === 0) break;
        const done = await forget(tenantId, seqs, 'erased', (ranges) => ({
          action: 'audit.erased', ...by, target: { type: 'erasure', id: erasure.id },
          // The person is named by the HMAC of the value only: the record must not keep what it erases.
          details: { reason, subject: field, subject_hmac: erasure.subject.hmac, count: seqs.length, seq_ranges: ranges },
        }));
        erasure.count += done.forgotten;
        erasure.seq_ranges = mergeRanges(erasure.seq_ranges, done.ranges);
        erasure.record_seqs.push(done.bySeq);
      }
      if (erasure.record_seqs.length === 0) {
        // Nothing to erase is still an answer worth keeping: the request was made and found nothing.
        erasure.record_seqs.push(await trail.recordAndNumber(tenantId, {
          action: 'audit.erased', ...by, target: { type: 'erasure', id: erasure.id },
          details: { reason, subject: field, subject_hmac: erasure.subject.hmac, count: 0, seq_ranges: [] },
        }));
      }
      await records.addErasure(tenantId, erasure);
      return erasure;
    },

    listErasures: async (tenantId: string) => (await records.listErasures(tenantId)).reverse(),

    /**
     * Tombstones among `events` with what their records say: when (`deleted_at`), by whom
     * (`deleted_by`) and why (`reason`) their content went; other events as they are. A tombstone
     * whose record cannot be found stays bare (verification names it, not this).
     */
    async describeTombstones(tenantId: string, events: StoredEvent[]): Promise<StoredEvent[]> {
      const bySeqs = [...new Set(events.flatMap((e) => (e.forgotten ? [e.forgotten.by_seq] : [])))];
      if (bySeqs.length === 0) return events;
      const found = await store.findEvents(tenantId, { where: inList('seq', bySeqs), order: { key: 'seq', direction: 'asc' }, limit: bySeqs.length });
      const described = new Map(found.filter((r) => Object.hasOwn(FORGETTING_ACTIONS, r.action)).map((record) => {
        const details = (record.details ?? {}) as JsonObject;
        const reason = typeof details.reason === 'string' ? details.reason
          : `older than the retention window of ${String(details.days)} days (cut-off ${String(details.cutoff)})`;
        return [record.seq, { deleted_at: record.occurred_at, deleted_by: record.actor ?? {}, reason }] as const;
      }));
      return events.map((e) => (e.forgotten && described.has(e.forgotten.by_seq) ? { ...e, ...described.get(e.forgotten.by_seq)! } : e));
    },
  };
}

/** The union of two lists of inclusive ranges, as sorted disjoint runs. */
function mergeRanges(a: [number, number][], b: [number, number][]): [number, number][] {
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [from, to] of all) {
    const last = out.at(-1);
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

export type RetentionService = ReturnType<typeof createRetentionService>;
