// Sigma rules written for these tests (none copied from elsewhere): what each compiles to, checked
// by running the query over events with the search language's evaluator, and the constructs that
// are refused with a 400 naming them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SteleError } from '../domain/errors.js';
import type { StoredEvent } from '../domain/event.js';
import { evaluateQuery } from '../query/search/evaluate.js';
import { parseQuery } from '../query/search/index.js';
import { compileSigma } from './sigma.js';

let seq = 0;
const event = (fields: Partial<StoredEvent>): StoredEvent => ({
  tenant_id: 't', seq: ++seq, id: `e${seq}`, action: 'x', category: 'custom', occurred_at: '2025-01-01T00:00:00.000Z', received_at: '2025-01-01T00:00:00.000Z', ...fields,
} as StoredEvent);
const matches = (query: string, e: StoredEvent) => evaluateQuery(parseQuery(query), e, Date.now());

function refused(yaml: string, construct: RegExp): void {
  assert.throws(() => compileSigma(yaml), (error: unknown) => error instanceof SteleError && error.code === 'invalid_request' && construct.test(error.message), construct.source);
}

describe('Sigma import', () => {
  it('compiles selections with modifiers, a keyword list and a condition with not and parentheses', () => {
    const rule = compileSigma(`
title: Admin console from a script
id: 0b0f6f3e-1111-4222-8333-944455556666
level: high
logsource: {product: webapp}
detection:
  console:
    event.action|startswith: 'admin.'
    user_agent.original|contains:
      - curl
      - python-requests
  internal:
    source.ip|cidr: 10.0.0.0/8
  probe:
    - 'sqlmap'
  condition: (console or probe) and not internal
`);
    assert.equal(rule.name, 'Admin console from a script');
    assert.equal(rule.severity, 'high');
    assert.deepEqual(rule.condition, { type: 'any', group_by: [] });
    assert.deepEqual(rule.source, { sigma: { title: 'Admin console from a script', id: '0b0f6f3e-1111-4222-8333-944455556666' } });
    const curl = event({ action: 'admin.users.list', context: { user_agent: 'curl/8.5', ip: '198.51.100.7' } });
    const internal = event({ action: 'admin.users.list', context: { user_agent: 'curl/8.5', ip: '10.1.2.3' } });
    const browser = event({ action: 'admin.users.list', context: { user_agent: 'Mozilla/5.0', ip: '198.51.100.7' } });
    const sqlmap = event({ action: 'search', actor: { id: 'sqlmap-bot' }, context: { ip: '198.51.100.8' } });
    assert.equal(matches(rule.query, curl), true, rule.query);
    assert.equal(matches(rule.query, internal), false);
    assert.equal(matches(rule.query, browser), false);
    assert.equal(matches(rule.query, sqlmap), true);
  });

  it('reads the event\'s own paths for product stele, with |all, |endswith, |exists, |gt, wildcards and 1 of / all of', () => {
    const rule = compileSigma(`
title: Risky role change
level: critical
logsource: {product: stele}
detection:
  is_change:
    action: member.role_changed
  sel_role:
    details.to_role|endswith: admin
  sel_many:
    details.members|gte: 10
  flags:
    target.name|contains|all: [prod, db]
  who:
    actor.email: '*@contractor.example'
    context.ip|exists: true
  condition: is_change and 1 of sel_* and (flags or who)
`);
    assert.equal(rule.severity, 'critical');
    const base = { action: 'member.role_changed', target: { type: 'db', name: 'prod-db-1' } };
    assert.equal(matches(rule.query, event({ ...base, details: { to_role: 'super_admin' } })), true, rule.query);
    assert.equal(matches(rule.query, event({ ...base, details: { to_role: 'viewer', members: 12 } })), true);
    assert.equal(matches(rule.query, event({ ...base, details: { to_role: 'viewer', members: 3 } })), false);
    assert.equal(matches(rule.query, event({ ...base, target: { type: 'db', name: 'prod-cache' }, details: { to_role: 'admin' } })), false, '|all needs both');
    assert.equal(matches(rule.query, event({ ...base, target: { type: 'db', name: 'x' }, actor: { id: 'c', email: 'eve@contractor.example' }, context: { ip: '192.0.2.1' }, details: { to_role: 'admin' } })), true);
    const all = compileSigma('title: t\nlogsource: {product: stele}\ndetection:\n  a: {action: x}\n  b: {success: false}\n  condition: all of them\n');
    assert.equal(matches(all.query, event({ action: 'x', success: false })), true);
    assert.equal(matches(all.query, event({ action: 'x', success: true })), false);
  });

  it('turns an event_count correlation over its base rule into a threshold, and value_count into distinct', () => {
    const base = `
title: Failed login
name: failed_login
logsource: {product: webapp}
detection:
  sel:
    event.action: user.login
    event.outcome: failure
  condition: sel
---
`;
    const counted = compileSigma(`${base}title: Many failed logins for one user
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user.name]
  timespan: 10m
  condition: {gte: 5}
level: high
`);
    assert.equal(counted.name, 'Many failed logins for one user');
    assert.deepEqual(counted.condition, { type: 'threshold', count: 5, window_minutes: 10, group_by: ['actor.id'] });
    assert.equal(matches(counted.query, event({ action: 'user.login', success: false })), true);
    assert.equal(matches(counted.query, event({ action: 'user.login', success: true })), false);
    const distinct = compileSigma(`${base}title: One address, many accounts
correlation:
  type: value_count
  rules: failed_login
  group-by: [source.ip]
  timespan: 1h
  condition: {field: user.name, gt: 19}
`);
    assert.deepEqual(distinct.condition, { type: 'distinct', field: 'actor.id', count: 20, window_minutes: 60, group_by: ['ip'] });
    assert.equal(distinct.severity, 'medium');
  });

  it('compiles |re to a regular expression and ? to a one-character wildcard, matched the same in memory as in SQL', () => {
    const rule = compileSigma(`
title: Service accounts from odd agents
level: medium
logsource: {product: webapp}
detection:
  svc:
    user.name|re: '^svc-[0-9]{2,3}$'
  agent:
    user_agent.original|re:
      - 'python-requests/\\d'
      - '^Go-http-client'
  tool:
    event.action: 'token.?reated'
  condition: svc and (agent or tool)
`);
    assert.match(rule.query, /actor:~"\^svc-\[0-9\]\{2,3\}\$"/);
    const python = event({ action: 'login', actor: { id: 'svc-42' }, context: { user_agent: 'x python-requests/2.31' } });
    const go = event({ action: 'login', actor: { id: 'svc-421' }, context: { user_agent: 'Go-http-client/1.1' } });
    const token = event({ action: 'token.created', actor: { id: 'svc-07' }, context: { user_agent: 'Mozilla/5.0' } });
    const person = event({ action: 'token.created', actor: { id: 'svc-4' }, context: { user_agent: 'Go-http-client/1.1' } });
    const browser = event({ action: 'login', actor: { id: 'svc-42' }, context: { user_agent: 'Mozilla/5.0 python-requests' } });
    assert.equal(matches(rule.query, python), true, rule.query);
    assert.equal(matches(rule.query, go), true);
    assert.equal(matches(rule.query, token), true);
    assert.equal(matches(rule.query, person), false, 'svc-4 has one digit');
    assert.equal(matches(rule.query, browser), false, 'no version after python-requests/');
    assert.equal(matches(compileSigma('title: t\nlogsource: {product: webapp}\ndetection: {s: {user.name: "ad?in"}, condition: s}\n').query, event({ actor: { id: 'admin' } })), true);
    assert.equal(matches(compileSigma('title: t\nlogsource: {product: webapp}\ndetection: {s: {user.name: "ad\\\\?in"}, condition: s}\n').query, event({ actor: { id: 'admin' } })), false);
  });

  it('ANDs a keyword list under |all, and refuses any other modifier on a keyword list', () => {
    const rule = (detection: string) => `title: t\nlogsource: {product: webapp}\ndetection:\n${detection}\n`;
    const both = compileSigma(rule("  words:\n    '|all': [export, payroll]\n  condition: words"));
    assert.equal(matches(both.query, event({ action: 'report.export', target: { type: 'report', name: 'payroll-2025' } })), true, both.query);
    assert.equal(matches(both.query, event({ action: 'report.export', target: { type: 'report', name: 'sales-2025' } })), false, '|all needs every keyword');
    const either = compileSigma(rule("  words:\n    '': [export, payroll]\n  condition: words"));
    assert.equal(matches(either.query, event({ action: 'report.export', target: { type: 'report', name: 'sales-2025' } })), true, either.query);
    refused(rule("  words:\n    '|re': ['fo+']\n  condition: words"), /\|re on a keyword list/);
    refused(rule("  words:\n    '|base64offset|contains': [secret]\n  condition: words"), /\|base64offset on a keyword list/);
    refused(rule("  words:\n    '|all|startswith': [a, b]\n  condition: words"), /\|startswith on a keyword list/);
    refused(rule("  words:\n    '|all': []\n  condition: words"), /empty list/);
  });

  it('matches a number as its text under contains, startswith and endswith, and exactly without them', () => {
    const rule = (selection: string) => compileSigma(`title: t\nlogsource: {product: stele}\ndetection:\n  sel: {${selection}}\n  condition: sel\n`);
    const code = (value: unknown) => event({ details: { code: value } as StoredEvent['details'] });
    const contains = rule('details.code|contains: 404');
    assert.equal(matches(contains.query, code(1404)), true, contains.query);
    assert.equal(matches(contains.query, code('E404x')), true);
    assert.equal(matches(contains.query, code(405)), false);
    const starts = rule('details.code|startswith: 40');
    assert.equal(matches(starts.query, code(404)), true, starts.query);
    assert.equal(matches(starts.query, code(140)), false);
    const ends = rule('details.code|endswith: 04');
    assert.equal(matches(ends.query, code(1404)), true, ends.query);
    assert.equal(matches(ends.query, code(1405)), false);
    const exact = rule('details.code: 404');
    assert.equal(matches(exact.query, code(404)), true, exact.query);
    assert.equal(matches(exact.query, code(1404)), false);
    const negative = rule('details.delta|startswith: -5');
    assert.equal(matches(negative.query, event({ details: { delta: -52 } })), true, negative.query);
    refused('title: t\nlogsource: {product: webapp}\ndetection:\n  sel: {http.response.status_code|startswith: 4}\n  condition: sel\n', /\|startswith does not apply to http_status/);
    refused('title: t\nlogsource: {product: stele}\ndetection:\n  sel: {details.flag|contains: true}\n  condition: sel\n', /\|contains needs a string or a number/);
  });

  it('refuses a correlation condition with an upper bound, even combined with a lower one', () => {
    const correlation = (condition: string) => `title: a\nname: a\ndetection: {s: {action: x}, condition: s}\n---\ntitle: c\ncorrelation: {type: event_count, rules: [a], timespan: 5m, condition: ${condition}}\n`;
    refused(correlation('{gte: 5, lte: 10}'), /correlation\.condition lte/);
    refused(correlation('{gt: 5, lt: 10}'), /correlation\.condition lt/);
    refused(correlation('{lte: 10, gte: 5}'), /correlation\.condition lte/);
    refused(correlation('{gte: 5, eq: 7}'), /correlation\.condition eq/);
    assert.equal((compileSigma(correlation('{gte: 5}')).condition as { count: number }).count, 5);
  });

  it('leaves selections whose names begin with _ out of "1 of them" and "all of them", as the Sigma specification says', () => {
    const rule = (condition: string) => compileSigma(`title: t\nlogsource: {product: stele}\ndetection:\n  sel: {action: export}\n  _bots: {actor.id: bot}\n  condition: ${condition}\n`);
    const any = rule('1 of them');
    assert.equal(matches(any.query, event({ action: 'login', actor: { id: 'bot' } })), false, any.query);
    assert.equal(matches(any.query, event({ action: 'export', actor: { id: 'ann' } })), true);
    const all = rule('all of them');
    assert.equal(matches(all.query, event({ action: 'export', actor: { id: 'ann' } })), true, all.query);
    const named = rule('all of them and not _bots');
    assert.equal(matches(named.query, event({ action: 'export', actor: { id: 'bot' } })), false, named.query);
    refused('title: t\nlogsource: {product: stele}\ndetection:\n  _only: {action: x}\n  condition: 1 of them\n', /matches no selection/);
  });

  it('refuses what it does not support, naming the construct', () => {
    const rule = (detection: string) => `title: t\nlogsource: {product: webapp}\ndetection:\n${detection}\n`;
    refused(rule('  sel: {user.name|re: "(a+)+b"}\n  condition: sel'), /user\.name\|re: the regular expression .* is refused: .*very long/);
    refused(rule('  sel: {user.name|re: "\\\\bx"}\n  condition: sel'), /\\b is not supported/);
    refused(rule('  sel: {source.ip|re: "^10\\\\."}\n  condition: sel'), /does not apply to ip/);
    refused(rule('  sel: {user.name|re|i: "adm"}\n  condition: sel'), /\|i/);
    refused(rule('  sel: {user.name|base64offset: x}\n  condition: sel'), /\|base64offset/);
    refused(rule('  sel: {process.command_line: x}\n  condition: sel'), /field "process\.command_line"/);
    refused(rule('  sel: {user.name: x}\n  condition: sel | count() > 5'), /aggregations|\|/);
    refused(rule('  sel: {user.name: x}\n  condition: 2 of sel*'), /"2 of"/);
    refused(rule('  sel: {user.name: x}\n  condition: other'), /names other/);
    refused(rule('  sel: {user.name: x}\n  timeframe: 5m\n  condition: sel'), /timeframe/);
    refused('title: t\ncorrelation: {type: temporal, rules: [a], timespan: 5m}\n', /names no rule|temporal/);
    refused('title: a\nname: a\ndetection: {s: {action: x}, condition: s}\n---\ntitle: c\ncorrelation: {type: temporal, rules: [a], timespan: 5m, group-by: [user.name]}\n', /correlation type temporal/);
    refused('title: a\nname: a\ndetection: {s: {action: x}, condition: s}\n---\ntitle: c\ncorrelation: {type: event_count, rules: [a], timespan: 5m, condition: {lt: 3}}\n', /correlation\.condition lt/);
    refused('title: [unclosed', /not valid YAML/);
    refused('title: a\ndetection: {s: {action: x}, condition: s}\n---\ntitle: b\ndetection: {s: {action: y}, condition: s}\n', /2 detection rules/);
  });
});
