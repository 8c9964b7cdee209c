// Rules evaluated as events arrive. Ingest hands over each committed batch (onCommitted) and
// returns at once: the batch joins a queue this process works through on later turns of the
// event loop, so neither a slow database read here nor a failure can slow or fail an ingest.
//
// Per batch and enabled rule: the events are matched in memory (the search language's evaluator,
// the rule's schedule); only when some match does the database answer for the rule's window — a
// count (threshold) or a distinct count (distinct) of the matching events of that group within the
// window that ends at the group's latest match, or (first_seen) whether the group had the value
// before within the lookback. The log is the window's state: another process's events count, and a
// restart or a second process continues where the first stood. Firing inserts the alert under an
// id derived from rule, group and period; `insertRecord` returning false means another process
// fired it, so an alert fires exactly once across processes on one database.

import { createHash } from 'node:crypto';
import type { StoredEvent } from '../domain/event.js';
import { compileQuery, parseQuery, type Ast } from '../query/search/index.js';
import { evaluateQuery } from '../query/search/evaluate.js';
import { and, compare, sql, type Sql } from '../sql/fragments.js';
import type { AppendOutcome, PendingEvent, Store } from '../store/port.js';
import { groupField, type GroupField } from './alert-fields.js';
import type { AlertRule } from './alert-rule.js';
import { inSchedule } from './alert-schedule.js';

export interface CompiledRule {
  rule: AlertRule;
  ast: Ast;
  groups: GroupField[];
  field: GroupField | undefined;
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
  fire(tenantId: string, firing: Firing): Promise<void>;
  lastFired(tenantId: string, cooldownId: string): Promise<number | undefined>;
  now: () => number;
  onError(error: unknown, tenantId: string): void;
}

export function compileRule(rule: AlertRule): CompiledRule {
  const c = rule.condition;
  return { rule, ast: parseQuery(rule.query), groups: c.group_by.map(groupField), field: 'field' in c ? groupField(c.field) : undefined };
}

type Event = StoredEvent;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The cooldown record of a rule's group. */
export const cooldownIdOf = (ruleId: string, groupKey: string) => createHash('sha256').update(`${ruleId}\u0000${groupKey}`).digest('hex').slice(0, 40);

const hashId = (parts: readonly (string | number)[]) => `alr_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;

export function createAlertEvaluator(deps: EvaluatorDeps) {
  const queue: { tenantId: string; events: Event[] }[] = [];
  let running: Promise<void> | undefined;
  // first_seen: values seen per rule, group and value (ms of the latest sighting), so a value seen
  // again does not ask the database each time. Sightings never become false, only stale.
  const seen = new Map<string, number>();
  const MAX_SEEN = 100_000;

  function onCommitted(tenantId: string, outcomes: readonly AppendOutcome[], pending: readonly PendingEvent[]): void {
    if (deps.hasNoRules(tenantId)) return;
    const events: Event[] = [];
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]!;
      const event = pending[i]?.event;
      // Resends were evaluated when first stored; Stele's own alert.* events never feed alerts.
      if (outcome.duplicate || !event || event.action.startsWith('alert.')) continue;
      events.push({ ...event, tenant_id: tenantId, seq: outcome.seq } as Event);
    }
    if (events.length === 0) return;
    queue.push({ tenantId, events });
    running ??= drain().finally(() => { running = undefined; });
  }

  async function drain(): Promise<void> {
    // Later turns of the event loop: ingest's answer goes out first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      try {
        await evaluate(batch.tenantId, batch.events);
      } catch (error) {
        deps.onError(error, batch.tenantId);
      }
    }
  }

  async function evaluate(tenantId: string, events: Event[]): Promise<void> {
    const now = deps.now();
    for (const compiled of await deps.rules(tenantId)) {
      const { rule, ast, groups } = compiled;
      const schedule = rule.schedule;
      const byGroup = new Map<string, { values: string[]; events: Event[] }>();
      for (const event of events) {
        if (schedule && !inSchedule(schedule, Date.parse(event.occurred_at))) continue;
        if (!evaluateQuery(ast, event, now)) continue;
        const values: string[] = [];
        let complete = true;
        for (const g of groups) {
          const value = g.read(event);
          if (value === undefined) { complete = false; break; }
          values.push(value);
        }
        if (!complete) continue;
        const key = values.join('\u0000');
        let entry = byGroup.get(key);
        if (!entry) byGroup.set(key, (entry = { values, events: [] }));
        entry.events.push(event);
      }
      for (const { values, events: matched } of byGroup.values()) {
        await evaluateGroup(tenantId, compiled, values, matched, now);
      }
    }
  }

  function groupOf(compiled: CompiledRule, values: string[]) {
    const group: Record<string, string> = {};
    compiled.groups.forEach((g, i) => { group[g.name] = values[i]!; });
    const groupKey = compiled.groups.map((g, i) => `${g.name}=${values[i]}`).join(' ');
    return { group, groupKey };
  }

  function groupCondition(compiled: CompiledRule, values: string[]): Sql {
    const { dialect } = deps.store;
    return and(compiled.groups.map((g, i) => {
      const expression = g.expression(dialect);
      return sql(`(${expression.text}) = ?`, [...expression.params, values[i]!]);
    }));
  }

  async function evaluateGroup(tenantId: string, compiled: CompiledRule, values: string[], matched: Event[], now: number): Promise<void> {
    const { rule } = compiled;
    const condition = rule.condition;
    const { group, groupKey } = groupOf(compiled, values);
    const cooldownMs = rule.cooldown_minutes * MINUTE;
    const base = (extra: Sql[]) => and([compileQuery(compiled.ast, { dialect: deps.store.dialect, now }), groupCondition(compiled, values), ...extra]);
    const cooldownId = cooldownIdOf(rule.id, groupKey);
    const cooling = async (at: number) => {
      if (cooldownMs === 0) return false;
      const last = await deps.lastFired(tenantId, cooldownId);
      return last !== undefined && at < last + cooldownMs && at >= last;
    };

    switch (condition.type) {
      case 'any': {
        for (const event of matched) {
          const at = Date.parse(event.occurred_at);
          if (await cooling(at)) continue;
          const period = cooldownMs === 0 ? event.id : String(Math.floor(at / cooldownMs));
          await deps.fire(tenantId, {
            rule, alertId: hashId([tenantId, rule.id, groupKey, period]), group, groupKey, count: 1, windowMinutes: null, field: null,
            firstSeq: event.seq, lastSeq: event.seq, at,
          });
        }
        return;
      }
      case 'threshold':
      case 'distinct': {
        const last = matched.reduce((a, b) => (Date.parse(b.occurred_at) > Date.parse(a.occurred_at) ? b : a));
        const at = Date.parse(last.occurred_at);
        if (await cooling(at)) return;
        const windowMs = condition.window_minutes * MINUTE;
        const inWindow = [compare('occurred_at', '>', at - windowMs), compare('occurred_at', '<=', at)];
        let measure = sql('count(*)');
        let where = base(inWindow);
        if (condition.type === 'distinct') {
          const expression = compiled.field!.expression(deps.store.dialect);
          measure = sql(`count(DISTINCT (${expression.text}))`, expression.params);
          where = and([where, sql(`(${expression.text}) IS NOT NULL`, expression.params)]);
        }
        const [row] = await deps.store.aggregateEvents(tenantId, { where, keys: [], measures: [measure, sql('min(seq)'), sql('max(seq)')] });
        const count = Number(row?.[0] ?? 0);
        if (count < condition.count) return;
        const period = Math.floor(at / Math.max(cooldownMs, windowMs, MINUTE));
        await deps.fire(tenantId, {
          rule, alertId: hashId([tenantId, rule.id, groupKey, period]), group, groupKey, count, windowMinutes: condition.window_minutes,
          field: condition.type === 'distinct' ? { name: compiled.field!.name } : null, firstSeq: Number(row![1]), lastSeq: Number(row![2]), at,
        });
        return;
      }
      case 'first_seen': {
        const field = compiled.field!;
        const lookbackMs = condition.lookback_days * DAY;
        for (const event of matched) {
          const value = field.read(event);
          if (value === undefined) continue;
          const at = Date.parse(event.occurred_at);
          const seenKey = `${tenantId}\u0000${rule.id}\u0000${groupKey}\u0000${value}`;
          const sighting = seen.get(seenKey);
          remember(seenKey, at);
          if (sighting !== undefined && at - sighting <= lookbackMs && at >= sighting) continue;
          const before = [compare('seq', '<', event.seq), compare('occurred_at', '>=', at - lookbackMs)];
          const expression = field.expression(deps.store.dialect);
          const sameValue = sql(`(${expression.text}) = ?`, [...expression.params, value]);
          const order = { key: 'seq', direction: 'desc' } as const;
          if ((await deps.store.findEvents(tenantId, { where: base([...before, sameValue]), order, limit: 1 })).length > 0) continue;
          // A group never seen before has no baseline: its first value is not "new".
          if ((await deps.store.findEvents(tenantId, { where: base(before), order, limit: 1 })).length === 0) continue;
          if (await cooling(at)) continue;
          await deps.fire(tenantId, {
            rule, alertId: hashId([tenantId, rule.id, groupKey, value, event.id]), group, groupKey, count: 1, windowMinutes: null,
            field: { name: field.name, value }, firstSeq: event.seq, lastSeq: event.seq, at,
          });
        }
        return;
      }
    }
  }

  function remember(key: string, at: number): void {
    if (seen.size >= MAX_SEEN) seen.clear();
    const previous = seen.get(key);
    if (previous === undefined || at > previous) seen.set(key, at);
  }

  return {
    onCommitted,
    /** Resolves once every batch handed over so far is evaluated (tests, shutdown). */
    async idle(): Promise<void> {
      while (running) await running;
    },
    /** Forgets first_seen sightings of a rule that changed. */
    forget(): void {
      seen.clear();
    },
  };
}

export type AlertEvaluator = ReturnType<typeof createAlertEvaluator>;
