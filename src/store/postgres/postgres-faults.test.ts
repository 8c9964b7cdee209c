// A statement PostgreSQL refuses is not an outage: only errors that say the server is gone, or
// cannot do the work now, become StoreUnavailableError (503). Refusals of the statement itself,
// a protocol-level one included (pg cannot send more than 65,535 parameters), stay as they are.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inList, sql } from '../../sql/fragments.js';
import { patternRefusalOf } from '../../sql/regex.js';
import { StoreUnavailableError } from '../port.js';
import { openTestStore, POSTGRES_SKIP_REASON, type TestStore } from '../testing/test-stores.js';
import { classifyPostgresError } from './postgres-faults.js';

const pgError = (code: string, severity = 'ERROR', message = 'refused') => Object.assign(new Error(message), { code, severity });

describe('which PostgreSQL errors mean the database is away', () => {
  it('reads a protocol violation answered with ERROR as a refused statement, not an unreachable server', () => {
    assert.equal(classifyPostgresError(pgError('08P01', 'ERROR', 'bind message has 4464 parameter formats but 0 parameters')), undefined);
    assert.equal(classifyPostgresError(pgError('08P01', 'FATAL', 'invalid frontend message type 0')), 'unreachable');
  });

  it('keeps connection failures, shutdowns and timeouts as they were', () => {
    for (const code of ['08006', '08001', '08003', '57P01', 'ECONNREFUSED']) assert.equal(classifyPostgresError(pgError(code)), 'unreachable', code);
    for (const code of ['57014', '55P03', '53300']) assert.equal(classifyPostgresError(pgError(code)), 'busy', code);
  });

  it('reads an invalid or too complex regular expression as no fault of the database', () => {
    assert.equal(classifyPostgresError(pgError('2201B', 'ERROR', 'invalid regular expression: regular expression is too complex')), undefined);
  });
});

describe('PostgreSQL refusing a statement', { skip: POSTGRES_SKIP_REASON }, () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore('postgres');
    await t.store.createTenant({ id: 't1', name: 't1', created_at: new Date().toISOString() });
  });
  after(() => t.close());

  it('answers 70,000 parameters with the refusal, not StoreUnavailableError, and keeps serving', async () => {
    const ids = Array.from({ length: 70_000 }, (_, i) => `user_${i}`);
    await assert.rejects(t.store.countEvents('t1', inList('actor_id', ids)), (error: unknown) => {
      assert.ok(!(error instanceof StoreUnavailableError), `misread as an outage: ${String(error)}`);
      return true;
    });
    assert.equal(await t.store.countEvents('t1', inList('actor_id', ids.slice(0, 10))), 0, 'the gate stayed open');
  });

  it('answers a regular expression too complex for it with an error the HTTP layer reads as a bad query', async () => {
    // Bypasses the search language's checker, which refuses this pattern before any SQL is made.
    const condition = t.store.dialect.matchesRegex(sql('?', ['a']), '((a{1,100}){1,100}){1,100}');
    await assert.rejects(t.store.countEvents('t1', condition), (error: unknown) => {
      assert.ok(!(error instanceof StoreUnavailableError));
      assert.match(patternRefusalOf(error) ?? '', /too complex/);
      return true;
    });
  });
});
