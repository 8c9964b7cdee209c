// The evaluator's shortcut: a rule's condition on the action, read from its query, must hold for
// every event the query matches (it only skips events the query could not match).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../domain/event.js';
import { evaluateQuery } from '../query/search/evaluate.js';
import type { Store } from '../store/port.js';
import { compileRule, createAlertEvaluator } from './alert-evaluator.js';
import type { AlertRule } from './alert-rule.js';

const rule = (query: string) => compileRule({ query, condition: { type: 'any', group_by: [] } } as unknown as AlertRule);
const ACTIONS = ['user.login', 'user.login_failed', 'member.role_changed', 'doc.viewed', 'api_key.created', 'login'];

describe('the action shortcut of a rule', () => {
  it('is taken from action terms under AND and OR, and never where NOT or another field decides', () => {
    assert.equal(rule('').actions, undefined);
    assert.equal(rule('success:false').actions, undefined);
    assert.equal(rule('NOT action:doc.viewed').actions, undefined);
    assert.equal(rule('action:doc.viewed OR success:false').actions, undefined);
    assert.equal(rule('doc').actions, undefined, 'a bare word also looks at actors and targets');
    const escalation = rule('action:*role* (details.to_role:admin OR details.to_role:owner)').actions!;
    assert.deepEqual(ACTIONS.filter(escalation), ['member.role_changed']);
    const logins = rule('(action:user.login success:false) OR action:*login*fail*').actions!;
    assert.deepEqual(ACTIONS.filter(logins), ['user.login', 'user.login_failed']);
  });

  it('holds for every event the query matches', () => {
    for (const query of ['action:*role* details.to_role:admin', '(action:user.login success:false) OR action:*login*fail*', 'action:api_key.* OR action:token.*', 'success:true action:login']) {
      const compiled = rule(query);
      for (const action of ACTIONS) {
        for (const success of [true, false]) {
          const event = { action, success, details: { to_role: 'admin' }, seq: 1, occurred_at: '2025-01-01T00:00:00Z' } as unknown as StoredEvent;
          if (evaluateQuery(compiled.ast, event, 0)) assert.equal(compiled.actions!(action), true, `${query} / ${action}`);
        }
      }
    }
  });
});

describe('the evaluator catching up', () => {
  it('resolves once what was handed over before is evaluated, while later batches still run', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const reads: number[] = [];
    // A store whose read of seq 2 waits for the gate: the second batch's pass cannot end before it opens.
    const store = {
      dialect: undefined,
      async findEvents(_tenantId: string, query: { where: { params: unknown[] } }) {
        const from = Number(query.where.params[0]);
        reads.push(from);
        if (from === 2) await gate;
        return [];
      },
    } as unknown as Store;
    const evaluator = createAlertEvaluator({
      store, now: () => 0, rules: async () => [rule('action:x.y')], hasNoRules: () => false, fire: async () => undefined, recordFired: async () => {},
      lastFired: async () => undefined, onError: (error) => { throw error; },
    });
    evaluator.onStored('t1', [[1, 1]]);
    const first = evaluator.caughtUp();
    let caughtUp = false;
    void first.then(() => { caughtUp = true; });
    // Handed over once the first pass has begun, so it makes a pass of its own.
    while (reads.length === 0) await new Promise((resolve) => setImmediate(resolve));
    evaluator.onStored('t1', [[2, 2]]);
    await first;
    assert.equal(caughtUp, true);
    const second = evaluator.caughtUp();
    let done = false;
    void second.then(() => { done = true; });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(done, false, 'the second batch is still being read');
    assert.deepEqual(reads, [1, 2]);
    release!();
    await second;
    await evaluator.idle();
  });
});
