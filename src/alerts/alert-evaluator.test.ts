// The evaluator's shortcut: a rule's condition on the action, read from its query, must hold for
// every event the query matches (it only skips events the query could not match).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../domain/event.js';
import { evaluateQuery } from '../query/search/evaluate.js';
import { compileRule } from './alert-evaluator.js';
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
