import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SteleError } from '../../domain/errors.js';
import type { Ast } from './ast.js';
import { parseQuery, SEARCH_LIMITS } from './parser.js';

/** A compact rendering of the tree: terms by their text position, e.g. OR(AND(1 7) NOT(13)). */
function shape(ast: Ast): string {
  switch (ast.kind) {
    case 'and': return `AND(${ast.children.map(shape).join(' ')})`;
    case 'or': return `OR(${ast.children.map(shape).join(' ')})`;
    case 'not': return `NOT(${shape(ast.child)})`;
    case 'term': return String(ast.position);
  }
}

function term(text: string) {
  const ast = parseQuery(text);
  assert.equal(ast.kind, 'term');
  return ast.kind === 'term' ? ast.test : assert.fail();
}

function matchOf(text: string) {
  const test = term(text);
  return 'match' in test ? test.match : assert.fail(`${text} has no text match`);
}

function rejects(text: string, position: number, message?: RegExp): void {
  assert.throws(() => parseQuery(text), (error: unknown) => {
    assert.ok(error instanceof SteleError, `expected a SteleError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_query');
    assert.equal(error.extra.position, position, `position for ${JSON.stringify(text)}: ${error.message}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('search parser: structure', () => {
  it('treats an empty or blank query as matching everything', () => {
    assert.deepEqual(parseQuery(''), { kind: 'and', children: [] });
    assert.deepEqual(parseQuery('  \t '), { kind: 'and', children: [] });
  });

  it('joins adjacent terms with an implicit AND', () => {
    assert.equal(shape(parseQuery('a b c')), 'AND(1 3 5)');
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    assert.equal(shape(parseQuery('a OR b AND c')), 'OR(1 AND(6 12))');
    assert.equal(shape(parseQuery('a b OR c')), 'OR(AND(1 3) 8)');
    assert.equal(shape(parseQuery('NOT a b')), 'AND(NOT(5) 7)');
    assert.equal(shape(parseQuery('NOT a OR b')), 'OR(NOT(5) 10)');
  });

  it('lets parentheses override precedence', () => {
    assert.equal(shape(parseQuery('(a OR b) c')), 'AND(OR(2 7) 10)');
    assert.equal(shape(parseQuery('NOT (a OR b)')), 'NOT(OR(6 11))');
    assert.equal(shape(parseQuery('((a))')), '3');
  });

  it('reads a leading - as NOT, and a lone - as a word', () => {
    assert.equal(shape(parseQuery('-a b')), 'AND(NOT(2) 4)');
    assert.equal(shape(parseQuery('-(a OR b)')), 'NOT(OR(3 8))');
    assert.equal(shape(parseQuery('--a')), 'NOT(NOT(3))');
    assert.deepEqual(term('-'), term('"-"'));
  });

  it('reads AND, OR and NOT as keywords only in capitals', () => {
    assert.equal(shape(parseQuery('a and b')), 'AND(1 3 7)');
    assert.equal(shape(parseQuery('a "OR" b')), 'AND(1 3 8)');
  });
});

describe('search parser: terms and values', () => {
  it('reads field:value as an exact match', () => {
    assert.deepEqual(term('action:user.login'), { type: 'text', field: 'action', columns: ['action'], match: { kind: 'exact', value: 'user.login' } });
  });

  it('maps actor to both the actor id and email columns', () => {
    assert.deepEqual(term('actor:a@x.com'), { type: 'text', field: 'actor', columns: ['actor_id', 'actor_email'], match: { kind: 'exact', value: 'a@x.com' } });
  });

  it('reads a trailing * as a prefix and an inner * as a wildcard', () => {
    assert.deepEqual(matchOf('action:login.*'), { kind: 'prefix', prefix: 'login.' });
    assert.deepEqual(matchOf('action:user.*.created'), { kind: 'pattern', segments: ['user.', '.created'] });
    assert.deepEqual(matchOf('action:*.created'), { kind: 'pattern', segments: ['', '.created'] });
    assert.deepEqual(matchOf('action:a**b'), { kind: 'pattern', segments: ['a', 'b'] });
    assert.deepEqual(matchOf('action:*'), { kind: 'prefix', prefix: '' });
  });

  it('keeps * literal inside quotes and after a backslash', () => {
    assert.deepEqual(matchOf('action:"a*b"'), { kind: 'exact', value: 'a*b' });
    assert.deepEqual(matchOf('action:a\\*b'), { kind: 'exact', value: 'a*b' });
    assert.deepEqual(matchOf('action:"a b"*'), { kind: 'prefix', prefix: 'a b' });
  });

  it('unescapes backslashes in quoted values', () => {
    assert.deepEqual(matchOf('actor.name:"O\\"Brien \\\\ co"'), { kind: 'exact', value: 'O"Brien \\ co' });
    assert.deepEqual(matchOf('target.name:"x (y) AND z"'), { kind: 'exact', value: 'x (y) AND z' });
  });

  it('keeps colons after the first one in the value', () => {
    assert.deepEqual(term('ip:::1'), term('ip:"::1"'));
    assert.deepEqual(matchOf('request_id:a:b'), { kind: 'exact', value: 'a:b' });
  });

  it('reads a bare word as a prefix over action, actor and target', () => {
    const test = term('alice');
    assert.equal(test.type, 'bare');
    assert.deepEqual(test.type === 'bare' && test.columns, ['action', 'actor_id', 'actor_email', 'actor_name', 'target_id', 'target_name']);
    assert.deepEqual(test.type === 'bare' && test.match, { kind: 'prefix', prefix: 'alice' });
    assert.deepEqual(term('"Apollo 2"').type === 'bare' && term('"Apollo 2"'), { ...test, match: { kind: 'prefix', prefix: 'Apollo 2' } });
    assert.deepEqual(term('a*b'), { ...test, match: { kind: 'pattern', segments: ['a', 'b', ''] } });
  });

  it('reads details paths as object keys', () => {
    assert.deepEqual(term('details.to_role:admin'), { type: 'details', path: ['to_role'], match: { kind: 'exact', value: 'admin' } });
    assert.deepEqual(term('details.a.b-c._d:x*'), { type: 'details', path: ['a', 'b-c', '_d'], match: { kind: 'prefix', prefix: 'x' } });
  });

  it('reads comparisons on seq, http_status and time', () => {
    assert.deepEqual(term('seq:>1000'), { type: 'integer', field: 'seq', op: '>', value: 1000 });
    assert.deepEqual(term('http_status:<=499'), { type: 'integer', field: 'http_status', op: '<=', value: 499 });
    assert.deepEqual(term('time:>=now-7d'), { type: 'time', field: 'time', op: '>=', value: { kind: 'relative', offsetMs: -7 * 86_400_000 } });
    assert.deepEqual(term('time:<2025-01-01'), {
      type: 'time', field: 'time', op: '<', value: { kind: 'absolute', start: Date.parse('2025-01-01T00:00:00Z'), end: Date.parse('2025-01-02T00:00:00Z') },
    });
  });

  it('reads ip addresses and CIDR blocks as 16-byte bounds', () => {
    assert.deepEqual(term('ip:10.0.0.0/8'), { type: 'ip', field: 'ip', low: '00000000000000000000ffff0a000000', high: '00000000000000000000ffff0affffff' });
    assert.deepEqual(term('ip:10.1.2.3'), { type: 'ip', field: 'ip', low: '00000000000000000000ffff0a010203', high: '00000000000000000000ffff0a010203' });
    assert.deepEqual(term('ip:::ffff:10.1.2.3'), term('ip:10.1.2.3'));
    assert.deepEqual(term('ip:2001:db8::/32'), { type: 'ip', field: 'ip', low: '20010db8000000000000000000000000', high: '20010db8ffffffffffffffffffffffff' });
  });

  it('reads success and field:* on typed fields', () => {
    assert.deepEqual(term('success:false'), { type: 'boolean', field: 'success', value: false });
    assert.deepEqual(term('http_status:*'), { type: 'exists', field: 'http_status' });
    assert.deepEqual(term('ip:*'), { type: 'exists', field: 'ip' });
  });
});

describe('search parser: errors point at the column', () => {
  it('rejects an unknown field, listing the known ones', () => {
    rejects('action:a foo:bar', 10, /unknown field foo; known fields: id, action, .*details\.<path>/);
    rejects('Action:x', 1, /unknown field Action/);
  });

  it('rejects an unterminated quote at the opening quote', () => rejects('action:"abc', 8, /unterminated/));
  it('rejects text glued to a closing quote', () => rejects('action:"a"b', 11));
  it('rejects a quote inside an unquoted value', () => rejects('action:ab"c"', 10));
  it('rejects a missing value', () => {
    rejects('action:', 8, /expected a value after action:/);
    rejects('time:> x', 7, /expected a value after time:>/);
    rejects('(action:)', 9);
  });
  it('rejects an unclosed parenthesis where the ) was expected', () => rejects('(a OR b', 8, /close the \( at column 1/));
  it('rejects an unmatched )', () => rejects('a) b', 2, /unmatched \)/));
  it('rejects a dangling operator', () => {
    rejects('a AND', 6, /after AND/);
    rejects('a OR )', 6, /after OR/);
    rejects('NOT', 4, /after NOT/);
    rejects('AND a', 1, /at the start/);
    rejects('a AND OR b', 7);
    rejects('()', 2);
  });
  it('rejects comparisons on fields that have no order', () => {
    rejects('action:>a', 8, /comparisons work on time, seq, http_status and details paths/);
  });
  it('reads comparisons of whole numbers in details, and refuses anything else there', () => {
    assert.deepEqual(parseQuery('details.rows:>=1000').kind === 'term' && (parseQuery('details.rows:>=1000') as { test: unknown }).test,
      { type: 'details_number', path: ['rows'], op: '>=', value: 1000 });
    rejects('details.n:>1.5', 12, /whole number/);
    rejects('details.n:>a*', 12, /whole number/);
  });
  it('rejects wildcards on typed fields', () => rejects('seq:1*', 5, /wildcards/));
  it('rejects bad numbers, times, addresses and booleans at the value', () => {
    rejects('seq:-1', 5, /whole number/);
    rejects('seq:1.5', 5);
    rejects('http_status:1000', 13, /0 to 999/);
    rejects('seq:99999999999999999', 5);
    rejects('time:>2025-02-30', 7, /UTC date/);
    rejects('time:2025-01-01T24:00', 6);
    rejects('time:now-7y', 6);
    rejects('time:now-999999999w', 6);
    rejects('ip:10.0.0.256', 4, /IPv4 or IPv6/);
    rejects('ip:10.0.0.0/33', 4);
    rejects('ip:fe80::1%eth0', 4);
    rejects('success:yes', 9, /true or false/);
  });
  it('rejects bad details paths at the bad key', () => {
    rejects('details:x', 1, /needs a path/);
    rejects('details.a..b:x', 11);
    rejects('details.a.1b:x', 11);
    rejects(`details.${Array(9).fill('k').join('.')}:x`, 1, /at most 8 keys/);
  });
  it('rejects an empty bare term', () => rejects('a ""', 3, /empty/));
  it('rejects control characters and unpaired surrogates', () => {
    rejects('action:a\u0000b', 9, /control character U\+0000/);
    rejects('a \ud800', 3, /surrogate/);
    rejects('a \udc00', 3, /surrogate/);
  });
  it('rejects a trailing backslash', () => rejects('action:ab\\', 10));
});

describe('search parser: limits', () => {
  it('accepts a query at the length limit and rejects one character more', () => {
    const longest = `action:${'a'.repeat(SEARCH_LIMITS.maxLength - 7)}`;
    assert.equal(parseQuery(longest).kind, 'term');
    rejects(`${longest}a`, SEARCH_LIMITS.maxLength + 1, /longer than 2000/);
  });

  it('rejects nesting deeper than the limit at the parenthesis that goes too deep', () => {
    const ok = `${'('.repeat(SEARCH_LIMITS.maxDepth)}a${')'.repeat(SEARCH_LIMITS.maxDepth)}`;
    assert.equal(parseQuery(ok).kind, 'term');
    rejects(`(${ok})`, SEARCH_LIMITS.maxDepth + 1, /nested more than/);
    rejects(`${'NOT '.repeat(SEARCH_LIMITS.maxDepth + 1)}a`, SEARCH_LIMITS.maxDepth * 4 + 1);
    rejects(`${'-'.repeat(500)}a`, SEARCH_LIMITS.maxDepth + 1);
    rejects(`${'('.repeat(1000)}`, SEARCH_LIMITS.maxDepth + 1);
  });

  it('rejects more terms than the limit at the first one too many', () => {
    const words = Array.from({ length: SEARCH_LIMITS.maxTerms }, () => 'a');
    assert.equal(parseQuery(words.join(' OR ')).kind, 'or');
    rejects([...words, 'b'].join(' '), SEARCH_LIMITS.maxTerms * 2 + 1, /more than 100 terms/);
  });
});

describe('one-character wildcards and regular expressions', () => {
  it('reads ? as one character among the wildcards, and \\? or a quoted ? as itself', () => {
    assert.deepEqual(matchOf('action:user.?o*'), { kind: 'glob', parts: [{ text: 'user.' }, { wildcard: '?' }, { text: 'o' }, { wildcard: '*' }] });
    assert.deepEqual(matchOf('action:a\\?'), { kind: 'exact', value: 'a?' });
    assert.deepEqual(matchOf('action:"a?"'), { kind: 'exact', value: 'a?' });
    assert.deepEqual(matchOf('ab?'), { kind: 'glob', parts: [{ text: 'ab' }, { wildcard: '?' }, { wildcard: '*' }] });
    rejects('ip:10.0.0.?', 4, /wildcards/);
  });

  it('keeps a regular expression as written inside quotes, in the canonical form both engines read alike', () => {
    assert.deepEqual(matchOf('actor.id:~"^c\\d+$"'), { kind: 'regex', source: '^c[0-9]+$' });
    assert.deepEqual(matchOf('actor.id:~"a\\"b"'), { kind: 'regex', source: 'a"b' });
    assert.deepEqual(matchOf('action:~^user\\.[a-z-]'), { kind: 'regex', source: '^user\\.[a-z\\-]' });
    assert.deepEqual(matchOf('details.to_role:~"^(admin|owner)$"'), { kind: 'regex', source: '^(admin|owner)$' });
    assert.deepEqual(matchOf('action:~"\\s\\w*?"'), { kind: 'regex', source: '[ \\t\\n\\r\\f\\v][A-Za-z0-9_]*?' });
  });

  it('refuses what the engines would read differently, what could take very long, and bad syntax, with a clear message', () => {
    rejects('action:~"a\\b"', 9, /\\b is not supported/);
    rejects('action:~"(?<=a)b"', 9, /\(\?</);
    rejects('action:~"(a+)+"', 9, /very long/);
    rejects('action:~"(a|b)*"', 9, /very long/);
    rejects('action:~".*a.*b.*c.*d"', 9, /at most 3/);
    rejects('action:~"[[:alpha:]]"', 9, /\[/);
    rejects('action:~"a{2"', 9, /repetition/);
    rejects('action:~"a{1,1000}"', 9, /repetition/);
    rejects('action:~"("', 9, /missing \)/);
    rejects('action:~"a)"', 9, /unmatched \)/);
    rejects('action:~"*a"', 9, /nothing to repeat/);
    rejects('action:~"[z-a]"', 9, /out of order/);
    rejects(`action:~"${'a'.repeat(201)}"`, 9, /longer than 200/);
    rejects('seq:~1', 5, /regular expressions/);
    rejects('action:~', 9, /regular expression/);
  });
});
