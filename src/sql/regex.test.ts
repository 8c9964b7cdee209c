import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RegexRefusedError, regexTest } from './regex.js';

// JavaScript's own RegExp (flags su) is the reference: regexTest must say the same, without
// backtracking. Every pattern here is in the canonical syntax query/search/regex.ts writes; some
// (empty loops, nested stars) are ones it refuses, which the matcher must still get right.
const CASES: [string, string[]][] = [
  ['abc', ['abc', 'xabcx', 'ab', '', 'ABC']],
  ['^abc$', ['abc', 'abcd', 'xabc', '']],
  ['^$', ['', 'a', '\n']],
  ['$', ['', 'a']],
  ['a$|^b', ['xa', 'bx', 'xb', 'ax']],
  ['(^a|b$)c', ['ac', 'bc', 'xac', 'b', 'c']],
  ['x(^)?y', ['xy', 'y']],
  ['^.$', ['😀', 'é', 'ab', '\n', '']],
  ['^..$', ['😀', '😀😀', 'ab']],
  ['[^a]', ['a', 'b', '😀', '']],
  ['^[a-c😀]+$', ['abc😀', 'abd', '😀']],
  ['[0-9]{2,3}', ['1', '12', 'a1b2', '123']],
  ['^[0-9]{2,3}$', ['1', '12', '123', '1234']],
  ['^a{0,}$', ['', 'aaaa', 'ab']],
  ['^(ab){2}$', ['abab', 'ab', 'ababab']],
  ['^(ab){2,}$', ['abab', 'ab', 'ababab']],
  ['^(a|ab)(c|bcd)(d*)$', ['abcd', 'acd', 'abcdd', 'ab']],
  ['^(a*)*b$', ['b', 'aaab', 'aaa', '']],
  ['^(a?)+$', ['', 'a', 'aa', 'b']],
  ['(a|)+b', ['b', 'aab', 'c']],
  ['^(?:a|b)*?c??$', ['', 'abc', 'abcc']],
  ['[ \\t\\n\\r\\f\\v]', ['a b', 'a\fb', 'a\u000bb', 'ab', 'a\u00a0b']],
  ['[A-Za-z0-9_]+', ['_', '-', 'é']],
  ['\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/\\^\\$\\\\', ['.*+?()[]{}|/^$\\', '.*+?']],
  ['[\\]\\-\\^]', [']', '-', '^', 'a']],
  ['a\\tb\\nc\\rd', ['a\tb\nc\rd', 'atbncrd']],
  ['^a.b$', ['a\nb', 'a\rb', 'ab']],
  ['x-y', ['x-y', 'xy']],
  ['"', ['a"b', 'ab']],
];

describe('regexTest: JavaScript\'s meaning without its backtracking', () => {
  it('agrees with RegExp on each case', () => {
    for (const [source, values] of CASES) {
      const reference = new RegExp(source, 'su');
      for (const value of values) assert.equal(regexTest(source, value), reference.test(value), `${source} on ${JSON.stringify(value)}`);
    }
  });

  it('takes time linear in the value, whatever the pattern', { timeout: 60_000 }, () => {
    const long = 'a'.repeat(100_000);
    assert.equal(regexTest('^(a*)*b$', long), false);
    assert.equal(regexTest('(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)X', long), false);
    assert.equal(regexTest('(.*){1,100}X', long), false);
    assert.equal(regexTest('.*.*.*.*.*X', `${long}X`), true);
  });

  it('refuses a statement\'s worth of work past its budget rather than hold the thread for seconds', { timeout: 60_000 }, async () => {
    // Counted classes over varied text build a new automaton state at nearly every character.
    let seed = 1;
    const random = Array.from({ length: 1 << 18 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) < 2 ** 30 ? 'a' : 'b')).join('');
    await new Promise((resolve) => setImmediate(resolve)); // a fresh budget, as for a new statement
    assert.throws(() => regexTest(`${'a[ab]{0,100}'.repeat(4)}X`, random), (error: unknown) => error instanceof RegexRefusedError && /too long/.test(error.message));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(regexTest('a[ab]{0,100}X', random.slice(0, 4096)), false, 'the next statement has its budget again');
  });

  it('refuses a pattern outside the canonical syntax rather than guess its meaning', () => {
    for (const source of ['\\b', '(?=a)', 'a{', '(a', 'a)', '[a', '\\p{L}', '(?<n>a)']) {
      assert.throws(() => regexTest(source, 'a'), /regular expression/, source);
    }
  });
});
