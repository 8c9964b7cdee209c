// Stele audits itself: every change a key, user, admin or the CLI makes, every refusal and every
// read of the log becomes an event in the affected tenant's own log (or the instance's, see
// system-log.ts). Features call this one service, from a route or a service, with who (actor and
// context, see requester.ts), what (action, target, details) and where it belongs (tenant id).
// README.md lists every action and its fields.

import type { SelfAuditAction } from '../domain/actions.js';
import type { Actor, EventContext, JsonObject, Target, ValidEvent } from '../domain/event.js';
import { createCollapsingRecorder, type CollapseOptions } from './collapsing-recorder.js';
import type { Requester } from './requester.js';

export type { CollapseOptions };

/** Where the trail writes: the ingest service's `record` (the events the server itself emits). */
export interface EventRecorder {
  record(tenantId: string, events: ValidEvent[]): Promise<readonly { seq: number }[] | unknown>;
}

/** One self-audit event, before the trail adds its time. Never put a secret in it. */
export interface AuditEntry {
  action: SelfAuditAction;
  actor: Actor;
  context?: EventContext;
  target?: Target;
  /** The change: fields set or changed, never a secret (only e.g. "credentials set"). */
  details?: JsonObject;
  /** False for refusals and failed attempts; true by default. */
  success?: boolean;
  /**
   * The event's id, for an event that may be written again after a crash: with the same id and
   * content the log keeps it once (ingest's idempotent resend). Only with `at`, so the content is
   * the same each time. Unset: an id of the server's.
   */
  id?: string;
  /** When it happened (ms); the trail's clock by default. */
  at?: number;
}

/** A read of the log, recorded as `data.accessed`. */
export interface Read {
  /** Which read: `list`, `search` (a list with q), `get`, `feed`, `filters`, `tenants`. */
  view: string;
  /** What was asked for: the filters, q and saved search, without paging. */
  query: JsonObject;
  /** How many events (or items) the answer held. */
  rows: number;
  /** What was read; the tenant's log when absent. */
  target?: Target;
}

export interface AuditTrail {
  /** Appends the event to the tenant's log; resolves once it is committed. */
  record(tenantId: string, entry: AuditEntry): Promise<void>;
  /** Appends several entries in one append (all or none); resolves once they are committed. */
  recordAll(tenantId: string, entries: readonly AuditEntry[]): Promise<void>;
  /** Like record, and resolves with the seq the event got (a record that later writes must name, such as retention.purged). */
  recordAndNumber(tenantId: string, entry: AuditEntry): Promise<number>;
  /**
   * Like record, but the same entry again within the window (same tenant, action, actor and
   * `options.same`) only counts; the repeats are written as one event with `count` when the
   * window closes or the trail is flushed.
   */
  recordCollapsed(tenantId: string, entry: AuditEntry, options: CollapseOptions): Promise<void>;
  /** `data.accessed`, collapsed per reader and query. */
  recordRead(tenantId: string, by: Requester, read: Read): Promise<void>;
  /** Writes every pending count and stops collapsing (the app's close hook). */
  close(): Promise<void>;
}

export interface AuditTrailDependencies {
  recorder: EventRecorder;
  now?: () => number;
  /** How long repeats collapse into one event (default 10 minutes). */
  windowMs?: number;
  /** Failed writes of collapsed counts, which happen outside any request. */
  onError?: (error: unknown) => void;
}

export const COLLAPSE_WINDOW_MS = 10 * 60_000;
/** How often ended windows are looked for (they are also flushed by the next collapsed entry). */
const SWEEP_MS = 30_000;
const MAX_OPEN_WINDOWS = 10_000;

// A safety net under the rule that callers never pass secrets: such members are masked.
const SECRET_NAMES = /^(password|passphrase|private_key|secret|token|key|key_hash)$/i;

function masked(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [name, member] of Object.entries(value)) {
    if (SECRET_NAMES.test(name)) out[name] = '[redacted]';
    else if (member !== null && typeof member === 'object' && !Array.isArray(member)) out[name] = masked(member);
    else out[name] = member;
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

function toEvent(entry: AuditEntry, at: number, extra: JsonObject = {}): ValidEvent {
  const details = masked({ ...entry.details, ...extra });
  const context = entry.context && Object.keys(entry.context).length > 0 ? entry.context : undefined;
  return {
    ...(entry.id !== undefined && { id: entry.id }),
    action: entry.action,
    occurred_at: iso(entry.at ?? at),
    actor: entry.actor,
    ...(entry.target && { target: entry.target }),
    ...(context && { context }),
    success: entry.success ?? true,
    ...(Object.keys(details).length > 0 && { details }),
  };
}

export function createAuditTrail(deps: AuditTrailDependencies): AuditTrail {
  const now = deps.now ?? Date.now;
  const onError = deps.onError ?? ((error: unknown) => process.emitWarning(`audit trail: ${String(error)}`));
  const write = async (tenantId: string, event: ValidEvent) => {
    await deps.recorder.record(tenantId, [event]);
  };
  const writeNumbered = async (tenantId: string, event: ValidEvent): Promise<number> => {
    const outcomes = await deps.recorder.record(tenantId, [event]);
    const seq = Array.isArray(outcomes) ? (outcomes[0] as { seq?: unknown } | undefined)?.seq : undefined;
    if (typeof seq !== 'number') throw new Error('the recorder did not say which seq the event got');
    return seq;
  };
  const collapsing = createCollapsingRecorder<AuditEntry>({
    now,
    windowMs: deps.windowMs ?? COLLAPSE_WINDOW_MS,
    maxWindows: MAX_OPEN_WINDOWS,
    onError,
    write: (tenantId, entry, { count, at, firstAt }) =>
      write(tenantId, toEvent(entry, at, firstAt === undefined ? { count } : { count, first_at: iso(firstAt), last_at: iso(at) })),
  });
  let sweep: NodeJS.Timeout | undefined;
  let closed = false;

  const trail: AuditTrail = {
    record: (tenantId, entry) => write(tenantId, toEvent(entry, now())),
    async recordAll(tenantId, entries) {
      if (entries.length === 0) return;
      const at = now();
      await deps.recorder.record(tenantId, entries.map((entry) => toEvent(entry, at)));
    },
    recordAndNumber: (tenantId, entry) => writeNumbered(tenantId, toEvent(entry, now())),

    async recordCollapsed(tenantId, entry, options) {
      if (closed) return write(tenantId, toEvent(entry, now(), { count: 1 }));
      if (!sweep) {
        sweep = setInterval(() => void collapsing.flushDue(), SWEEP_MS);
        sweep.unref();
      }
      return collapsing.record(tenantId, entry, options);
    },

    recordRead(tenantId, by, read) {
      const target = read.target ?? { type: 'audit_log', id: tenantId };
      return trail.recordCollapsed(tenantId, {
        action: 'data.accessed', ...by, target,
        details: { view: read.view, query: read.query, rows: read.rows },
      }, { same: { view: read.view, query: read.query, target: target.id ?? null }, sum: ['rows'] });
    },

    async close() {
      closed = true;
      if (sweep) clearInterval(sweep);
      await collapsing.flushAll();
    },
  };
  return trail;
}
