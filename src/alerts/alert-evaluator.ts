// Rules evaluated as events arrive. Ingest hands over each committed batch (onCommitted) and
// returns at once: the batch joins a queue this process works through on later turns of the
// event loop, so neither a slow database read here nor a failure can slow or fail an ingest. The
// server evaluates on a thread of its own (alert-thread.ts): with SQLite it is told the seqs the
// serving thread committed and reads those events back on its own connection (onStored); with
// PostgreSQL it is handed the events themselves (onEvents).
//
// Per batch and enabled rule: the events are matched in memory (the search language's evaluator,
// the rule's schedule); only when some match does the database answer for the rule's window — one
// GROUP BY per rule and batch counting (threshold) or counting the distinct values (distinct) of
// the matching events of the batch's groups within the window that ends at the batch's latest
// match, or (first_seen) whether the group had the value before within the lookback (sightings
// are remembered, so a known value asks once). The log is the window's state: another process's events count, and a
// restart or a second process continues where the first stood. Firing inserts the alert under an
// id derived from rule, group and period; `insertRecord` returning false means another process
// fired it, so an alert fires exactly once across processes on one database.

import { createHash } from 'node:crypto';
import type { StoredEvent } from '../domain/event.js';
import { compileQuery, parseQuery, type Ast } from '../query/search/index.js';
import { evaluateQuery } from '../query/search/evaluate.js';
import { and, compare, sql, type Sql } from '../sql/fragments.js';
import type { AggregateRow, AppendOutcome, PendingEvent, Store } from '../store/port.js';
import { groupField, type GroupField } from './alert-fields.js';
import type { AlertRecord } from './alert-repository.js';
import type { AlertRule } from './alert-rule.js';
import { inSchedule } from './alert-schedule.js';
import { BoundedMaps } from './bounded-maps.js';

export interface CompiledRule {
  rule: AlertRule;
  ast: Ast;
  groups: GroupField[];
  field: GroupField | undefined;
  /**
   * What an event's action must be for the query to match, when the query says (most do:
   * `action:user.login_failed ...`): asked once per distinct action of a pass, so the rule never
   * looks at the other events. Undefined: every event is a candidate.
   */
  actions: ((action: string) => boolean) | undefined;
}

/** A condition on the action alone that every match satisfies, if the query has one. */
function actionCondition(ast: Ast): ((action: string) => boolean) | undefined {
  switch (ast.kind) {
    case 'term': {
      const { test } = ast;
      if (test.type !== 'text' || test.columns.length !== 1 || test.columns[0] !== 'action') return undefined;
      return (action) => evaluateQuery(ast, { action } as StoredEvent, 0);
    }
    case 'and': {
      // Any child's condition is necessary for the whole.
      for (const child of ast.children) {
        const found = actionCondition(child);
        if (found) return found;
      }
      return undefined;
    }
    case 'or': {
      const parts = ast.children.map(actionCondition);
      if (parts.length === 0 || parts.some((p) => p === undefined)) return undefined;
      return (action) => parts.some((p) => p!(action));
    }
    case 'not':
      return undefined;
  }
}

/** What the evaluator found; fire() turns it into an alert (once). */
export interface Firing {
  rule: AlertRule;
  /** Deterministic id: rule, group and period. */
  alertId: string;
  group: Record<string, string>;
  groupKey: string;
  count: number;
  windowMinutes: number | null;
  field: { name: string; value?: string } | null;
  firstSeq: number;
  lastSeq: number;
  /** The latest matching event's time (ms): the cooldown counts from it. */
  at: number;
}

export interface EvaluatorDeps {
  store: Store;
  /** A tenant's enabled rules (cached by the caller). */
  rules(tenantId: string): Promise<CompiledRule[]>;
  /** Known without a read: the tenant has no enabled rule (so a batch is not even queued). */
  hasNoRules(tenantId: string): boolean;
  /** Creates the alert once; resolves with it when this call created it (its event still to write). */
  fire(tenantId: string, firing: Firing): Promise<AlertRecord | undefined>;
  /** Writes the `alert.fired` events of the alerts one pass created for a tenant, in one append. */
  recordFired(tenantId: string, alerts: readonly AlertRecord[]): Promise<void>;
  lastFired(tenantId: string, cooldownId: string): Promise<number | undefined>;
  now: () => number;
  onError(error: unknown, tenantId: string): void;
  /**
   * How old (wall clock) a group's count or cooldown read here may be before it is read again at
   * its next match (default 10 s; six times that for a count under half its condition): how late
   * another process's matches can be noticed.
   */
  refreshMs?: number;
}

export function compileRule(rule: AlertRule): CompiledRule {
  const c = rule.condition;
  const ast = parseQuery(rule.query);
  return { rule, ast, groups: c.group_by.map(groupField), field: 'field' in c ? groupField(c.field) : undefined, actions: actionCondition(ast) };
}

/** A committed event, with its time read once. */
type Event = StoredEvent & { readonly at_ms: number };
type WindowCondition = Extract<AlertRule['condition'], { type: 'threshold' | 'distinct' }>;
/** A group's count at the last read of its window, and the matches seen here since. */
interface GroupCount {
  counted: number;
  since: number;
  readAt: number;
}
/** A rule's matches of a pass in one group. */
interface MatchedGroup {
  groupKey: string;
  values: string[];
  events: Event[];
}
/** A group whose window is read: it ends at the group's latest match, `at`. */
type OpenGroup = MatchedGroup & { at: number; group: Record<string, string> };
const MINUTE = 60_000;
/** Groups a window read asks for at most (parameters stay well within both engines' limits). */
const GROUPS_PER_READ = 1000;
/** A scheduled rule's events read per group and window (far more than any count a rule asks for). */
const SCHEDULED_WINDOW_EVENTS = 100_000;
const DAY = 24 * 60 * MINUTE;
/** Groups, sightings and cooldowns the evaluator remembers at most, each kind. */
const MAX_SEEN = 100_000;

/**
 * Whether an event at `at` falls in the cooldown of a firing at `last`: after it by less than the
 * cooldown, or before it by less (a late event, delivered after the firing, does not fire again).
 */
export const withinCooldown = (at: number, last: number | undefined, cooldownMs: number): boolean =>
  cooldownMs > 0 && last !== undefined && at > last - cooldownMs && at < last + cooldownMs;

/** The cooldown record of a rule's group. */
export const cooldownIdOf = (ruleId: string, groupKey: string) => createHash('sha256').update(`${ruleId}\u0000${groupKey}`).digest('hex').slice(0, 40);

const hashId = (parts: readonly (string | number)[]) => `alr_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;

/** A committed event as ingest stored it, with its seq (what the serving thread hands the alerts thread). */
export type CommittedEvent = PendingEvent['event'] & { seq: number };
/** Seqs first..last (inclusive) a process committed for a tenant. */
export type SeqRun = readonly [first: number, last: number];
/**
 * Whether a committed event feeds the rules: a resend was evaluated when first stored, and
 * Stele's own alert.* events never feed alerts. The one rule for every way events come in.
 */
export const feedsAlerts = (action: string, duplicate = false): boolean => !duplicate && !action.startsWith('alert.');

/** An event this evaluator owns (read back, or a thread's copy): its tenant and time added in place rather than copied. */
function owned(event: { occurred_at: string }, tenantId: string): Event {
  return Object.assign(event, { tenant_id: tenantId, at_ms: Date.parse(event.occurred_at) }) as unknown as Event;
}

/** Events read back per store call when a batch comes as seq runs. */
const EVENTS_PER_READ = 5000;

/** Committed work for a tenant: events in memory, or runs of seqs to read back (the alerts thread). */
interface Batch {
  events: Event[];
  runs: SeqRun[];
}

export function createAlertEvaluator(deps: EvaluatorDeps) {
  const queue: ({ tenantId: string } & Batch)[] = [];
  let running: Promise<void> | undefined;
  // first_seen: values seen per rule version and group, by value (ms of the latest sighting), so a
  // value seen again does not ask the database each time. Sightings never become false, only stale.
  const seen = new BoundedMaps<number>(MAX_SEEN);
  // When a rule last fired for a group (event time, ms) as this process knows it, by rule and group
  // key: fired here, or read (readAt, wall clock), so a cooldown needs no read while it lasts or
  // the read is fresh.
  const fired = new BoundedMaps<{ last: number | undefined; readAt: number }>(MAX_SEEN);
  // threshold and distinct, by rule version and group: the count at the last read, and matches seen here since.
  const counts = new Map<string, Map<string, GroupCount>>();
  const refreshMs = deps.refreshMs ?? 10_000;

  function onCommitted(tenantId: string, outcomes: readonly AppendOutcome[], pending: readonly PendingEvent[]): void {
    if (deps.hasNoRules(tenantId)) return;
    const events: Event[] = [];
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]!;
      const event = pending[i]?.event;
      if (!event || !feedsAlerts(event.action, outcome.duplicate)) continue;
      events.push({ ...event, tenant_id: tenantId, seq: outcome.seq, at_ms: Date.parse(event.occurred_at) } as Event);
    }
    if (events.length === 0) return;
    enqueue({ tenantId, events, runs: [] });
  }

  /**
   * The same for events known by seq only (the alerts thread, which is told what the serving
   * thread committed): they are read back from the store when their pass comes, and only for a
   * tenant with rules. Reading back leaves out alert.* events (feedsAlerts); callers leave out resends.
   */
  function onStored(tenantId: string, runs: readonly SeqRun[]): void {
    if (runs.length === 0 || deps.hasNoRules(tenantId)) return;
    enqueue({ tenantId, events: [], runs: [...runs] });
  }

  /**
   * The same for events the serving thread handed over with their seqs (the alerts thread with
   * PostgreSQL): this thread's own copies. Callers pass only those that feed alerts (feedsAlerts).
   */
  function onEvents(tenantId: string, received: readonly CommittedEvent[]): void {
    if (received.length === 0 || deps.hasNoRules(tenantId)) return;
    enqueue({ tenantId, events: received.map((event) => owned(event, tenantId)), runs: [] });
  }

  // Batches handed over, and those whose pass has ended: caughtUp waits for the count of the moment.
  let enqueued = 0;
  let finished = 0;
  const catchingUp: { through: number; resolve: () => void }[] = [];

  function enqueue(batch: { tenantId: string } & Batch): void {
    queue.push(batch);
    enqueued += 1;
    running ??= drain().finally(() => { running = undefined; });
  }

  function passEnded(batches: number): void {
    finished += batches;
    for (let i = catchingUp.length - 1; i >= 0; i--) {
      if (catchingUp[i]!.through > finished) continue;
      catchingUp[i]!.resolve();
      catchingUp.splice(i, 1);
    }
  }

  /** The events of seq runs, in seq order, without alert.* events. */
  async function readBack(tenantId: string, runs: readonly SeqRun[]): Promise<Event[]> {
    const events: Event[] = [];
    for (const [first, last] of [...runs].sort((a, b) => a[0] - b[0])) {
      for (let from = first; from <= last;) {
        const where = and([compare('seq', '>=', from), compare('seq', '<=', last)]);
        const page = await deps.store.findEvents(tenantId, { where, order: { key: 'seq', direction: 'asc' }, limit: EVENTS_PER_READ });
        for (const event of page) if (feedsAlerts(event.action)) events.push(owned(event, tenantId));
        if (page.length < EVENTS_PER_READ) break;
        from = page[page.length - 1]!.seq + 1;
      }
    }
    return events;
  }

  // One pass takes everything queued since the last: under a steady stream of small commits the
  // database answers once per rule and pass, not once per commit, and while a pass runs the next
  // one's share grows, so evaluation keeps up with ingest at any rate (a pass is as large as it
  // needs to be) instead of falling behind one commit at a time.
  async function drain(): Promise<void> {
    while (queue.length > 0) {
      // Later turns of the event loop: ingest's answers go out first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const taken = queue.splice(0);
      try {
        await evaluatePass(taken);
      } finally {
        passEnded(taken.length);
      }
    }
  }

  /** One pass: the batches taken, merged per tenant, each tenant's evaluated and its alert.fired events written. */
  async function evaluatePass(taken: readonly ({ tenantId: string } & Batch)[]): Promise<void> {
    const byTenant = new Map<string, Batch>();
    for (const { tenantId, events, runs } of taken) {
      const batch = byTenant.get(tenantId);
      if (!batch) byTenant.set(tenantId, { events, runs });
      else {
        for (const event of events) batch.events.push(event);
        for (const run of runs) batch.runs.push(run);
      }
    }
    for (const [tenantId, batch] of byTenant) {
      // The alerts this pass creates; their alert.fired events go in one append once it is done.
      const created: AlertRecord[] = [];
      try {
        await evaluate(tenantId, batch, created);
      } catch (error) {
        deps.onError(error, tenantId);
      }
      try {
        await deps.recordFired(tenantId, created);
      } catch (error) {
        // Their queue entries stay: the worker writes the events (alert-service.ts, recordMissingEvent).
        deps.onError(error, tenantId);
      }
    }
  }

  async function evaluate(tenantId: string, batch: Batch, created: AlertRecord[]): Promise<void> {
    const now = deps.now();
    const rules = await deps.rules(tenantId);
    if (rules.length === 0) return;
    let events = batch.events;
    if (batch.runs.length > 0) {
      const read = await readBack(tenantId, batch.runs);
      events = events.length === 0 ? read : [...events, ...read].sort((a, b) => a.seq - b.seq);
    }
    if (events.length === 0) return;
    const byAction = eventsByAction(events);
    for (const compiled of rules) {
      const byGroup = matchingGroups(compiled, candidatesOf(compiled, events, byAction), now);
      if (byGroup.size === 0) continue;
      const condition = compiled.rule.condition;
      if (condition.type === 'threshold' || condition.type === 'distinct') await evaluateWindow(tenantId, compiled, [...byGroup.values()], now, created);
      else for (const { values, events: matched } of byGroup.values()) await evaluateEach(tenantId, compiled, values, matched, now, created);
    }
  }

  // The synchronous steps of a pass are functions of their own, apart from the async ones that
  // await the database: V8 compiles a large async function as one piece, and in the alerts
  // benchmark on PostgreSQL it spent 60–140 ms of a background thread on each (re)compilation of
  // evaluate and evaluateWindow, over and over in the measured turns (`node --trace-opt`).

  function eventsByAction(events: readonly Event[]): Map<string, Event[]> {
    const byAction = new Map<string, Event[]>();
    for (const event of events) {
      const same = byAction.get(event.action);
      if (same) same.push(event);
      else byAction.set(event.action, [event]);
    }
    return byAction;
  }

  /** The events a rule looks at: those with an action its query allows, when it says (in seq order), or all. */
  function candidatesOf(compiled: CompiledRule, events: Event[], byAction: Map<string, Event[]>): Event[] {
    if (!compiled.actions) return events;
    const candidates: Event[] = [];
    let actions = 0;
    for (const [action, list] of byAction) {
      if (!compiled.actions(action)) continue;
      actions += 1;
      for (const event of list) candidates.push(event);
    }
    // In commit order again (first_seen's "before" is by seq).
    if (actions > 1) candidates.sort((a, b) => a.seq - b.seq);
    return candidates;
  }

  /** The candidates that match the rule's query and schedule, by group. */
  function matchingGroups(compiled: CompiledRule, candidates: readonly Event[], now: number): Map<string, MatchedGroup> {
    const { ast, groups } = compiled;
    const schedule = compiled.rule.schedule;
    const byGroup = new Map<string, MatchedGroup>();
    for (const event of candidates) {
      if (!evaluateQuery(ast, event, now)) continue;
      if (schedule && !inSchedule(schedule, event.at_ms)) continue;
      let key: string;
      let values: string[] | undefined;
      if (groups.length === 1) {
        // The usual case, without an array and a join per event.
        const value = groups[0]!.read(event);
        if (value === undefined) continue;
        key = value;
      } else {
        values = [];
        for (const g of groups) {
          const value = g.read(event);
          if (value === undefined) break;
          values.push(value);
        }
        if (values.length < groups.length) continue;
        key = values.join('\u0000');
      }
      let entry = byGroup.get(key);
      if (!entry) {
        const groupValues = values ?? [key];
        byGroup.set(key, (entry = { groupKey: groupKeyOf(compiled, groupValues), values: groupValues, events: [] }));
      }
      entry.events.push(event);
    }
    return byGroup;
  }

  /** `actor.id=u_1 ip=10.0.0.1`: the group as one text, for people and as the group's key. */
  const groupKeyOf = (compiled: CompiledRule, values: string[]) => compiled.groups.map((g, i) => `${g.name}=${values[i]}`).join(' ');

  /** `{"actor.id": "u_1"}`: the group's values by field name. */
  function groupValuesOf(compiled: CompiledRule, values: string[]): Record<string, string> {
    const group: Record<string, string> = {};
    compiled.groups.forEach((g, i) => { group[g.name] = values[i]!; });
    return group;
  }

  const groupOf = (compiled: CompiledRule, values: string[]) => ({ group: groupValuesOf(compiled, values), groupKey: groupKeyOf(compiled, values) });

  function groupCondition(compiled: CompiledRule, values: string[]): Sql {
    const { dialect } = deps.store;
    return and(compiled.groups.map((g, i) => {
      const expression = g.expression(dialect);
      return sql(`(${expression.text}) = ?`, [...expression.params, values[i]!]);
    }));
  }

  const queryOf = (compiled: CompiledRule, now: number) => compileQuery(compiled.ast, { dialect: deps.store.dialect, now });

  /** The in-memory key of a rule (groups are looked up in its own map: no key is built per group). */
  const ruleKey = (tenantId: string, ruleId: string) => `${tenantId}\u0000${ruleId}`;
  /** A rule version's group counts (rule ids are unique across tenants). */
  function countsOf(rule: AlertRule): Map<string, GroupCount> {
    const version = `${rule.id}\u0000${rule.updated_at}`;
    let map = counts.get(version);
    if (!map) {
      if (counts.size >= 1000) counts.clear();
      counts.set(version, (map = new Map()));
    }
    return map;
  }

  /** Whether the rule fired for the group less than its cooldown before `at` (a firing seen here is remembered). */
  async function cooling(tenantId: string, rule: AlertRule, groupKey: string, at: number): Promise<boolean> {
    const cooldownMs = rule.cooldown_minutes * MINUTE;
    if (cooldownMs === 0) return false;
    const ruleFired = ruleKey(tenantId, rule.id);
    const within = (last: number | undefined) => withinCooldown(at, last, cooldownMs);
    const known = fired.of(ruleFired).get(groupKey);
    if (known && (within(known.last) || Date.now() - known.readAt < refreshMs)) return within(known.last);
    const last = await deps.lastFired(tenantId, cooldownIdOf(rule.id, groupKey));
    fired.set(ruleFired, groupKey, { last, readAt: Date.now() });
    return within(last);
  }

  async function fire(tenantId: string, firing: Firing, created: AlertRecord[]): Promise<void> {
    const alert = await deps.fire(tenantId, firing);
    if (alert) created.push(alert);
    if (firing.rule.cooldown_minutes > 0) {
      const ruleFired = ruleKey(tenantId, firing.rule.id);
      // Not fired: another firing holds the cooldown (maybe another process's), which the next check reads.
      if (!alert) return void fired.delete(ruleFired, firing.groupKey);
      // The latest firing stays the cooldown's start: an old event delivered late does not move it back.
      const known = fired.of(ruleFired).get(firing.groupKey)?.last;
      fired.set(ruleFired, firing.groupKey, { last: known !== undefined && known > firing.at ? known : firing.at, readAt: Date.now() });
    }
  }

  /**
   * threshold and distinct: a group's window ends at its latest match in the pass. One GROUP BY for
   * the rule reads the groups of the pass that need it over the span of all their windows, which
   * counts each group at least as high as its own window would: a group under the condition there
   * is under it in its own, and one at or over it is read again over its own window before it
   * fires (only when the pass's groups end at different times). A group needs a read when this
   * process has no count for it yet (rebuilt from the log), when its count at the last read plus
   * the matches seen here since could reach the condition, or when that read is older than
   * refreshMs (six times that while under half the condition), so that another process's matches
   * count. Counting too high only costs a read.
   */
  async function evaluateWindow(tenantId: string, compiled: CompiledRule, groups: MatchedGroup[], now: number, created: AlertRecord[]): Promise<void> {
    const { rule } = compiled;
    const condition = rule.condition as WindowCondition;
    const wall = Date.now();
    // A rule that changed (or was enabled again) counts afresh: what happened meanwhile was not seen here.
    const ruleCounts = countsOf(rule);
    const open = groupsToRead(tenantId, compiled, groups, ruleCounts, wall);
    if (open.length === 0) return;
    const { from, to } = spanOf(open);
    const rows = await readWindow(tenantId, compiled, windowAggregation(compiled, from, to, now), open, now);
    for (const o of open) remembered(ruleCounts, o.groupKey, { counted: 0, since: 0, readAt: wall });
    const byKey = new Map(open.map((o) => [o.values.join('\u0000'), o]));
    const keys = compiled.groups.length;
    const windowMs = condition.window_minutes * MINUTE;
    const cooldownMs = rule.cooldown_minutes * MINUTE;
    for (const spanRow of rows) {
      const target = byKey.get(spanRow.slice(0, keys).map(String).join('\u0000'));
      if (!target) continue;
      const spanCount = Number(spanRow[keys] ?? 0);
      ruleCounts.set(target.groupKey, { counted: spanCount, since: 0, readAt: wall });
      if (spanCount < condition.count) continue;
      const { at } = target;
      const row = from === to ? spanRow : (await readWindow(tenantId, compiled, windowAggregation(compiled, at, at, now), [target], now))[0];
      const count = Number(row?.[keys] ?? 0);
      if (!row || count < condition.count || (await cooling(tenantId, rule, target.groupKey, at))) continue;
      const period = Math.floor(at / Math.max(cooldownMs, windowMs, MINUTE));
      await fire(tenantId, {
        rule, alertId: hashId([tenantId, rule.id, target.groupKey, period]), group: target.group, groupKey: target.groupKey, count, windowMinutes: condition.window_minutes,
        field: condition.type === 'distinct' ? { name: compiled.field!.name } : null, firstSeq: Number(row[keys + 1]), lastSeq: Number(row[keys + 2]), at,
      }, created);
    }
  }

  /** The earliest and the latest of the groups' window ends. */
  function spanOf(open: readonly { at: number }[]): { from: number; to: number } {
    let from = Infinity;
    let to = 0;
    for (const { at } of open) {
      if (at < from) from = at;
      if (at > to) to = at;
    }
    return { from, to };
  }

  /** The time of a group's latest match in the pass: its window ends there. */
  function latestMatch(group: MatchedGroup): number {
    let at = 0;
    for (const e of group.events) if (e.at_ms > at) at = e.at_ms;
    return at;
  }

  /** The groups of the pass whose count must be read (see evaluateWindow), counting this pass's matches into the others. */
  function groupsToRead(tenantId: string, compiled: CompiledRule, groups: readonly MatchedGroup[], ruleCounts: Map<string, GroupCount>, wall: number) {
    const { rule } = compiled;
    const { count } = rule.condition as WindowCondition;
    const open: OpenGroup[] = [];
    const ruleFired = rule.cooldown_minutes > 0 ? fired.of(ruleKey(tenantId, rule.id)) : undefined;
    for (const g of groups) {
      const at = latestMatch(g);
      const estimate = ruleCounts.get(g.groupKey);
      if (estimate) estimate.since += g.events.length;
      // Known here to be cooling down: nothing to ask until it ends.
      const last = ruleFired?.get(g.groupKey)?.last;
      if (withinCooldown(at, last, rule.cooldown_minutes * MINUTE)) continue;
      const sum = estimate ? estimate.counted + estimate.since : 0;
      const age = estimate ? wall - estimate.readAt : Infinity;
      // Near the condition (half way), another process's matches could make the difference: read
      // again after refreshMs; far from it, after six times as long.
      if (!estimate || sum >= count || age >= (2 * sum >= count ? refreshMs : 6 * refreshMs)) open.push({ ...g, at, group: groupValuesOf(compiled, g.values) });
    }
    return open;
  }

  /** The GROUP BY of a rule's windows ending from `from` to `to`: count (or count distinct), first and last seq per group. */
  function windowAggregation(compiled: CompiledRule, from: number, to: number, now: number) {
    const condition = compiled.rule.condition as WindowCondition;
    const { dialect } = deps.store;
    const keys = compiled.groups.map((g) => g.expression(dialect));
    const where = [queryOf(compiled, now), compare('occurred_at', '>', from - condition.window_minutes * MINUTE), compare('occurred_at', '<=', to)];
    let measure = sql('count(*)');
    if (condition.type === 'distinct') {
      const expression = compiled.field!.expression(dialect);
      measure = sql(`count(DISTINCT (${expression.text}))`, expression.params);
      where.push(sql(`(${expression.text}) IS NOT NULL`, expression.params));
    }
    return { where: and(where), keys, measures: [measure, sql('min(seq)'), sql('max(seq)')] };
  }

  /**
   * Only the pass's groups, a read per GROUPS_PER_READ of them. With a key an index leads with
   * (actor, action, target), the store may read each group through that index (eachGroup). A rule
   * without group_by is one group, one row. A rule with a schedule counts only the events inside
   * it, which SQL cannot tell (an IANA zone's wall clock): its groups' events are read and counted here.
   */
  async function readWindow(tenantId: string, compiled: CompiledRule, aggregation: ReturnType<typeof windowAggregation>, open: readonly OpenGroup[], now: number): Promise<AggregateRow[]> {
    if (compiled.rule.schedule) return scheduledWindows(tenantId, compiled, open, now);
    if (aggregation.keys.length === 0) return deps.store.aggregateEvents(tenantId, aggregation);
    const rows: AggregateRow[] = [];
    const eachGroup = compiled.groups.some((g) => g.indexed);
    for (let from = 0; from < open.length; from += GROUPS_PER_READ) {
      rows.push(...(await deps.store.aggregateEvents(tenantId, { ...aggregation, eachGroup, forKeys: open.slice(from, from + GROUPS_PER_READ).map((o) => o.values) })));
    }
    return rows;
  }

  /** A scheduled rule's window rows: each group's events within its own window and the schedule, counted here, as the GROUP BY would. */
  async function scheduledWindows(tenantId: string, compiled: CompiledRule, open: readonly OpenGroup[], now: number): Promise<AggregateRow[]> {
    const condition = compiled.rule.condition as WindowCondition;
    const schedule = compiled.rule.schedule!;
    const rows: AggregateRow[] = [];
    for (const o of open) {
      const where = and([queryOf(compiled, now), groupCondition(compiled, o.values),
        compare('occurred_at', '>', o.at - condition.window_minutes * MINUTE), compare('occurred_at', '<=', o.at)]);
      const events = await deps.store.findEvents(tenantId, { where, order: { key: 'seq', direction: 'asc' }, limit: SCHEDULED_WINDOW_EVENTS });
      const inside = events.filter((e) => inSchedule(schedule, Date.parse(e.occurred_at)));
      if (inside.length === 0) continue;
      const measure = condition.type === 'distinct'
        ? new Set(inside.map((e) => compiled.field!.read(owned(e, tenantId))).filter((v) => v !== undefined)).size
        : inside.length;
      rows.push([...o.values, measure, inside[0]!.seq, inside.at(-1)!.seq]);
    }
    return rows;
  }

  /** any and first_seen: event by event. */
  async function evaluateEach(tenantId: string, compiled: CompiledRule, values: string[], matched: Event[], now: number, created: AlertRecord[]): Promise<void> {
    const { type } = compiled.rule.condition;
    if (type === 'any') await evaluateAny(tenantId, compiled, values, matched, created);
    else if (type === 'first_seen') await evaluateFirstSeen(tenantId, compiled, values, matched, now, created);
  }

  async function evaluateAny(tenantId: string, compiled: CompiledRule, values: string[], matched: Event[], created: AlertRecord[]): Promise<void> {
    const { rule } = compiled;
    const { group, groupKey } = groupOf(compiled, values);
    const cooldownMs = rule.cooldown_minutes * MINUTE;
    for (const event of matched) {
      const at = event.at_ms;
      if (await cooling(tenantId, rule, groupKey, at)) continue;
      const period = cooldownMs === 0 ? event.id : String(Math.floor(at / cooldownMs));
      await fire(tenantId, {
        rule, alertId: hashId([tenantId, rule.id, groupKey, period]), group, groupKey, count: 1, windowMinutes: null, field: null,
        firstSeq: event.seq, lastSeq: event.seq, at,
      }, created);
    }
  }

  async function evaluateFirstSeen(tenantId: string, compiled: CompiledRule, values: string[], matched: Event[], now: number, created: AlertRecord[]): Promise<void> {
    const { rule } = compiled;
    const { group, groupKey } = groupOf(compiled, values);
    const field = compiled.field!;
    const order = { key: 'seq', direction: 'desc' } as const;
    for (const { event, value } of unseenValues(tenantId, compiled, groupKey, matched)) {
      const { withValue, inGroup } = firstSeenReads(compiled, values, event, value, now);
      if ((await deps.store.findEvents(tenantId, { where: withValue, order, limit: 1 })).length > 0) continue;
      // A group never seen before has no baseline: its first value is not "new".
      if ((await deps.store.findEvents(tenantId, { where: inGroup, order, limit: 1 })).length === 0) continue;
      if (await cooling(tenantId, rule, groupKey, event.at_ms)) continue;
      await fire(tenantId, {
        rule, alertId: hashId([tenantId, rule.id, groupKey, value, event.id]), group, groupKey, count: 1, windowMinutes: null,
        field: { name: field.name, value }, firstSeq: event.seq, lastSeq: event.seq, at: event.at_ms,
      }, created);
    }
  }

  /** The matches whose value this process has not seen for the group within the lookback (each sighting remembered). */
  function unseenValues(tenantId: string, compiled: CompiledRule, groupKey: string, matched: readonly Event[]): { event: Event; value: string }[] {
    const field = compiled.field!;
    const lookbackMs = (compiled.rule.condition as Extract<AlertRule['condition'], { type: 'first_seen' }>).lookback_days * DAY;
    const unseen: { event: Event; value: string }[] = [];
    // By rule version: a value seen under another query or field says nothing under this one.
    const groupSeen = `${tenantId}\u0000${compiled.rule.id}\u0000${compiled.rule.updated_at}\u0000${groupKey}`;
    const sightings = seen.of(groupSeen);
    for (const event of matched) {
      const value = field.read(event);
      if (value === undefined) continue;
      const at = event.at_ms;
      const sighting = sightings.get(value);
      if (sighting === undefined || at > sighting) seen.set(groupSeen, value, at);
      if (sighting === undefined || at - sighting > lookbackMs || at < sighting) unseen.push({ event, value });
    }
    return unseen;
  }

  /** first_seen's two questions to the log before an event, within the lookback: the group with this value, and the group at all. */
  function firstSeenReads(compiled: CompiledRule, values: string[], event: Event, value: string, now: number): { withValue: Sql; inGroup: Sql } {
    const lookbackMs = (compiled.rule.condition as Extract<AlertRule['condition'], { type: 'first_seen' }>).lookback_days * DAY;
    const before = [queryOf(compiled, now), groupCondition(compiled, values), compare('seq', '<', event.seq), compare('occurred_at', '>=', event.at_ms - lookbackMs)];
    const expression = compiled.field!.expression(deps.store.dialect);
    return { withValue: and([...before, sql(`(${expression.text}) = ?`, [...expression.params, value])]), inGroup: and(before) };
  }

  function remembered<T>(map: Map<string, T>, key: string, value: T): void {
    if (map.size >= MAX_SEEN && !map.has(key)) map.clear();
    map.set(key, value);
  }

  return {
    onCommitted,
    onStored,
    onEvents,
    /** Resolves once every batch handed over so far is evaluated (tests, shutdown). */
    async idle(): Promise<void> {
      while (running) await running;
    },
    /**
     * Resolves once every batch handed over before the call is evaluated, whatever came after it
     * (evaluation-marks.ts: under a steady load the evaluator may never be idle).
     */
    caughtUp(): Promise<void> {
      const through = enqueued;
      if (finished >= through) return Promise.resolve();
      return new Promise<void>((resolve) => catchingUp.push({ through, resolve }));
    },

  };
}

export type AlertEvaluator = ReturnType<typeof createAlertEvaluator>;
