import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { postgresDialect } from '../../store/postgres/postgres-dialect.js';
import { sqliteDialect } from '../../store/sqlite/sqlite-dialect.js';
import { compileQuery } from './compile.js';
import { parseQuery } from './parser.js';

const NOW = Date.parse('2025-06-15T12:00:00.000Z');
const compile = (q: string, dialect = sqliteDialect) => compileQuery(parseQuery(q), { dialect, now: NOW });

describe('search compiler', () => {
  it('compiles an exact match on a NOT NULL column to plain equality', () => {
    assert.deepEqual(compile('action:user.login'), { text: 'action = ?', params: ['user.login'] });
  });

  it('guards nullable columns so NOT also finds events without the field', () => {
    assert.deepEqual(compile('NOT actor.email:a@x.com'), {
      text: 'NOT ((actor_email IS NOT NULL) AND (actor_email = ?))', params: ['a@x.com'],
    });
  });

  it('compiles a prefix to an index-friendly half-open range', () => {
    assert.deepEqual(compile('action:login.*'), { text: 'action >= ? AND action < ?', params: ['login.', 'login/'] });
  });

  it('keeps the range lower bound for an inner wildcard and adds the engine pattern', () => {
    assert.deepEqual(compile('action:user.*_x%'), {
      text: '(action >= ? AND action < ?) AND ((action) GLOB ?)', params: ['user.', 'user/', 'user.*_x%'],
    });
    assert.deepEqual(compile('action:user.*_x%', postgresDialect), {
      text: '(action >= ? AND action < ?) AND ((action) LIKE ?)', params: ['user.', 'user/', 'user.%\\_x\\%'],
    });
    assert.deepEqual(compile('action:a\\*[\\?*b'), {
      text: '(action >= ? AND action < ?) AND ((action) GLOB ?)', params: ['a*[?', 'a*[@', 'a[*][[][?]*b'],
    });
  });

  it('compiles ? to the engine\'s one-character wildcard after the literal head\'s range, and ~ to REGEXP or ~', () => {
    assert.deepEqual(compile('action:a[?_%*b'), {
      text: '(action >= ? AND action < ?) AND ((action) GLOB ?)', params: ['a[', 'a\\', 'a[[]?_%*b'],
    });
    assert.deepEqual(compile('action:a[?_%*b', postgresDialect), {
      text: '(action >= ? AND action < ?) AND ((action) LIKE ?)', params: ['a[', 'a\\', 'a[_\\_\\%%b'],
    });
    assert.deepEqual(compile('actor.id:~"^c\\d"'), { text: '(actor_id IS NOT NULL) AND ((actor_id) REGEXP ?)', params: ['^c[0-9]'] });
    assert.deepEqual(compile('actor.id:~"^c\\d"', postgresDialect), { text: '(actor_id IS NOT NULL) AND ((actor_id) ~ ?)', params: ['^c[0-9]'] });
  });

  it('matches prefixes ending just before a surrogate or at U+FFFF exactly, not by a bumped bound', () => {
    const { text, params } = compile('action:a\uffff*');
    assert.equal(text, '(action >= ?) AND ((action) GLOB ?)');
    assert.deepEqual(params, ['a\uffff', 'a\uffff*']);
    assert.match(compile('action:\ud83d\udfff*').text, /GLOB/);
    assert.doesNotMatch(compile('action:\ud83d\ude00*').text, /GLOB/);
  });

  it('resolves relative times against the injected clock, in integer milliseconds', () => {
    assert.deepEqual(compile('time:>now-7d'), { text: 'occurred_at >= ?', params: [NOW - 7 * 86_400_000 + 1] });
    assert.deepEqual(compile('time:>=now-1h'), { text: 'occurred_at >= ?', params: [NOW - 3_600_000] });
    assert.deepEqual(compile('time:<now'), { text: 'occurred_at < ?', params: [NOW] });
  });

  it('treats an absolute date as the whole day', () => {
    const day = Date.parse('2025-01-01T00:00:00Z');
    assert.deepEqual(compile('time:2025-01-01'), { text: '(occurred_at >= ?) AND (occurred_at < ?)', params: [day, day + 86_400_000] });
    assert.deepEqual(compile('time:>2025-01-01'), { text: 'occurred_at >= ?', params: [day + 86_400_000] });
    assert.deepEqual(compile('time:<=2025-01-01'), { text: 'occurred_at < ?', params: [day + 86_400_000] });
  });

  it('compiles a CIDR block to inclusive 16-byte bounds on ip_bin', () => {
    const { text, params } = compile('ip:10.0.0.0/8');
    assert.equal(text, '(ip_bin IS NOT NULL) AND ((ip_bin >= ?) AND (ip_bin <= ?))');
    assert.deepEqual(params.map((p) => Buffer.from(p as Uint8Array).toString('hex')), [
      '00000000000000000000ffff0a000000', '00000000000000000000ffff0affffff',
    ]);
  });

  it('compiles comparisons, booleans and presence', () => {
    assert.deepEqual(compile('seq:>1000'), { text: 'seq > ?', params: [1000] });
    assert.deepEqual(compile('http_status:>=500'), { text: '(http_status IS NOT NULL) AND (http_status >= ?)', params: [500] });
    assert.deepEqual(compile('success:false'), { text: '(success IS NOT NULL) AND (success = ?)', params: [0] });
    assert.deepEqual(compile('http_status:*'), { text: 'http_status IS NOT NULL', params: [] });
    assert.deepEqual(compile('seq:*'), { text: '1 = 1', params: [] });
    assert.deepEqual(compile('action:*'), { text: 'action IS NOT NULL', params: [] });
  });

  it('reads details through the dialect with the path as parameters', () => {
    const { text, params } = compile('details.to_role:admin', postgresDialect);
    assert.match(text, /jsonb_extract_path_text\(details, \?\)/);
    assert.equal(params.at(-1), 'admin');
    assert.ok(params.includes('to_role'));
    assert.ok(compile('details.a.b:x').params.includes('$."a"."b"'));
  });

  it('compiles an empty query to a condition that is always true', () => {
    assert.deepEqual(compile(''), { text: '1 = 1', params: [] });
  });
});
