import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SteleError } from '../../domain/errors.js';
import { regexTest } from '../../sql/regex.js';
import { portableRegex, REGEX_LIMITS } from './regex.js';

function refuses(pattern: string, message: RegExp): void {
  assert.throws(() => portableRegex(pattern, 7), (error: unknown) => {
    assert.ok(error instanceof SteleError, `${pattern}: expected a SteleError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_query');
    assert.equal(error.extra.position, 7, pattern);
    assert.match(error.message, message, pattern);
    return true;
  }, `${pattern} should be refused`);
}

// What could make a backtracking engine (JavaScript's, on SQLite) run for minutes, or PostgreSQL's
// give up with "regular expression is too complex": a group repeated more than once whose body
// can match in more than one way or repeats itself, bounded or not.
const REPEATED_AMBIGUOUS = [
  '(.|.){1,100}', '^(.|.){1,100}X', '(.*){1,100}', '(.*){2}', '(a|b){2}', '(?:a|b){3}', '(a?){30}', '(a+){2,5}',
  '(ab*){0,10}', '((a|b)c){2}', '((ab)*c){2}', '((a{1,100}){1,100}){1,100}', '(((.{0,100}){0,100}){0,100}){0,100}',
  '((a{1,2}){3})?', '(a+)+', '(a|b)*', '(a|aa)+', '(x+x+)+y', '(?:(?:a|b)c)+', '(\\d+-){3}', '(\\s?x){1,100}',
];

describe('search regular expressions: what could take very long is refused', () => {
  it('refuses a group repeated more than once that alternates or repeats inside, bounded or not', () => {
    for (const pattern of REPEATED_AMBIGUOUS) refuses(pattern, /repeated more than once/);
  });

  it('names the group where the problem is', () => {
    refuses('^x(.|.){1,100}X', /at character 3 of the pattern/);
  });

  it('refuses nested counts whose product is over the bound', () => {
    refuses('((a{10}){11})', new RegExp(`multiply to more than ${REGEX_LIMITS.maxNestedCount}`));
    refuses('((ab){10}c){11}', /multiply/);
    refuses('(\\d{3}){50}', /multiply/);
  });

  it('refuses a pattern that is too large once its counts are written out', () => {
    refuses('.{100}'.repeat(6), /at most 500/);
    refuses(`${'[a-z]{100}'.repeat(5)}x`, /at most 500/);
    refuses('((ab){10}c){10}(xyz){100}', /at most 500/);
  });

  it('keeps the limits it had: counts up to 100, three unbounded repetitions, 200 characters', () => {
    refuses('a{1,101}', /repetition/);
    refuses('.*a.*b.*c.*d', /at most 3/);
    refuses('a'.repeat(201), /longer than 200/);
  });
});

describe('search regular expressions: what people write keeps working', () => {
  const accepted: [string, string][] = [
    ['^svc-\\d{2}$', '^svc-[0-9]{2}$'],
    ['^(admin|owner)$', '^(admin|owner)$'],
    ['\\.(pdf|docx)$', '\\.(pdf|docx)$'],
    ['[a-z]{3,8}', '[a-z]{3,8}'],
    ['^(admin|owner)?$', '^(admin|owner)?$'],
    ['(a|b)?', '(a|b)?'],
    ['(foo)+', '(foo)+'],
    ['(ab){2,5}', '(ab){2,5}'],
    ['(\\d{3}-){2}\\d{4}', '([0-9]{3}-){2}[0-9]{4}'],
    ['((ab){10}c){10}', '((ab){10}c){10}'],
    ['.{100}'.repeat(5), '.{100}'.repeat(5)],
    ['^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'],
    ['.*@example\\.com$', '.*@example\\.com$'],
    ['^user\\.(login|logout)(\\.failed)?$', '^user\\.(login|logout)(\\.failed)?$'],
    ['.{0,100}', '.{0,100}'],
    ['(?:x){1,100}', '(?:x){1,100}'],
    ['^c\\d+$', '^c[0-9]+$'],
  ];
  it('accepts them, in their canonical form', () => {
    for (const [pattern, canonical] of accepted) assert.equal(portableRegex(pattern, 1), canonical, pattern);
  });
});

// Accepted, yet a backtracking engine takes exponential (or high polynomial) time over them: the
// matcher must not (sql/regex.ts runs them in time linear in the value).
const BACKTRACKING_TRAPS = [
  `^${'a?'.repeat(30)}a{30}$`,
  `${'(a|a)'.repeat(39)}X`,
  `${'(?:.|a)'.repeat(28)}X`,
  '.*.*.*X',
  `${'.{0,100}'.repeat(4)}X`,
  '[ab]*a[ab]{0,100}X',
  '^(a|ab)(c|bcd)(d*)X',
];

describe('search regular expressions: accepted patterns run in linear time', () => {
  it('answers backtracking traps over a 64 KiB value at once', { timeout: 60_000 }, () => {
    const long = 'a'.repeat(65_536);
    for (const pattern of BACKTRACKING_TRAPS) {
      const canonical = portableRegex(pattern, 1);
      assert.equal(regexTest(canonical, long), false, pattern);
      assert.equal(regexTest(canonical, `${long.slice(0, 40)}X`), !pattern.startsWith('^'), pattern);
    }
    assert.equal(regexTest(portableRegex(`^${'a?'.repeat(30)}a{30}$`, 1), 'a'.repeat(45)), true);
  });

  it('agrees with JavaScript\'s RegExp on random accepted patterns and short values', () => {
    const atom = fc.constantFrom('a', 'b', 'é', '😀', '.', '[ab]', '[^a]', '[a-c😀]', '\\d', '\\s', '\\w', '\\W', '\\.', '-', '^', '$', '\\n');
    const quantifier = fc.constantFrom('', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '{2,}?', '??', '*?');
    const pattern: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.tuple(atom, quantifier).map(([a, q]) => a + q),
        fc.tuple(tie('node'), tie('node')).map(([a, b]) => a + b),
        fc.tuple(tie('node'), tie('node')).map(([a, b]) => `${a}|${b}`),
        fc.tuple(tie('node'), fc.constantFrom('(', '(?:'), quantifier).map(([a, open, q]) => `${open}${a})${q}`),
      ),
    })).node;
    const value = fc.array(fc.constantFrom('a', 'b', 'c', 'é', '😀', '1', ' ', '\n', '.', '-'), { maxLength: 12 }).map((cs) => cs.join(''));
    let checked = 0;
    fc.assert(fc.property(pattern, fc.array(value, { minLength: 1, maxLength: 8 }), (source, values) => {
      let canonical: string;
      try {
        canonical = portableRegex(source, 1);
      } catch (error) {
        if (error instanceof SteleError) return;
        throw error;
      }
      checked++;
      const reference = new RegExp(canonical, 'su');
      for (const v of values) assert.equal(regexTest(canonical, v), reference.test(v), `${canonical} on ${JSON.stringify(v)}`);
    }), { numRuns: 3000 });
    assert.ok(checked > 1000, `only ${checked} random patterns were accepted`);
  });
});
