import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatJsonPath, IJsonError, memberNamesIn, parseIJson, repeatedMemberIn, textProblem } from './i-json.js';

const refusal = (text: string, maxDepth = 64): IJsonError => {
  try {
    parseIJson(text, maxDepth);
  } catch (error) {
    assert.ok(error instanceof IJsonError);
    return error;
  }
  assert.fail(`${text} was accepted`);
};
const whereRefused = (text: string): string => formatJsonPath(refusal(text).path ?? ['(no path)']);

describe('I-JSON (RFC 7493)', () => {
  it('accepts integers up to ±(2^53−1) and refuses the first beyond, wherever they are', () => {
    assert.deepEqual(parseIJson('[9007199254740991,-9007199254740991]', 8), [2 ** 53 - 1, -(2 ** 53 - 1)]);
    assert.equal(whereRefused('{"a":[1,9007199254740992]}'), 'a[1]');
    assert.equal(whereRefused('{"n":-9007199254740993}'), 'n');
    assert.match(refusal('{"n":12345678901234567890}').message, /2\^53−1.*send it as a string/);
  });

  it('refuses numbers too large for a double instead of reading them as Infinity', () => {
    assert.equal(whereRefused('{"x":{"y":1e400}}'), 'x.y');
    assert.equal(whereRefused('[-1e400]'), '[0]');
  });

  it('keeps fractions and small magnitudes as the double JSON.parse reads', () => {
    assert.deepEqual(parseIJson('[0.1, 1e-300, -0, 1.5e3]', 8), [0.1, 1e-300, -0, 1500]);
  });

  it('refuses lone surrogates in values and member names, and accepts pairs', () => {
    assert.equal(whereRefused('{"a":"x\\ud800"}'), 'a');
    assert.equal(whereRefused('{"a":["\\udc00y"]}'), 'a[0]');
    assert.match(refusal('{"\\ud800":1}').message, /member name/);
    assert.deepEqual(parseIJson('{"a":"\\ud83d\\ude80 🚀"}', 8), { a: '🚀 🚀' });
  });

  it('refuses NUL, which PostgreSQL text cannot hold', () => {
    assert.equal(whereRefused('{"a":{"b":"x\\u0000"}}'), 'a.b');
  });

  it('refuses them also when the text holds them as they are, not escaped', () => {
    // Not what a UTF-8 body decodes to, but what a caller could hand over as a string.
    assert.equal(whereRefused('{"a":"x\ud800"}'), 'a');
    assert.match(refusal('{"\udc00":1}').message, /member name/);
    assert.equal(whereRefused('{"a":[1,"\u0000"]}'), '(no path)', 'a raw control character is not JSON at all');
  });

  it('refuses a member name repeated in one object, naming it, however it is escaped', () => {
    assert.equal(whereRefused('{"a":1,"a":2}'), 'a');
    assert.equal(whereRefused('{"d":{"x":{"k":1},"y":[{"k":1,"\\u006b":2}]}}'), 'd.y[0].k');
    assert.equal(whereRefused('[{"id":"a"},{"id":"b","id":"c"}]'), '[1].id');
    // The same name in different objects is fine.
    assert.deepEqual(parseIJson('[{"a":1},{"a":{"a":2}}]', 8), [{ a: 1 }, { a: { a: 2 } }]);
  });

  it('keeps __proto__ and constructor as ordinary members, polluting nothing', () => {
    const value = parseIJson('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}', 8) as Record<string, unknown>;
    assert.deepEqual(Object.keys(value), ['__proto__', 'constructor']);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(whereRefused('{"__proto__":1,"__proto__":2}'), '__proto__');
  });

  it('refuses nesting beyond the limit, counting the top value as level 1', () => {
    assert.deepEqual(parseIJson('[[1]]', 3), [[1]]);
    assert.match(refusal('[[[1]]]', 3).message, /deeper than 3 levels/);
    assert.match(refusal('['.repeat(100_000) + ']'.repeat(100_000), 64).message, /deeper than 64/);
  });

  it('reports text that is not JSON without a path', () => {
    assert.equal(refusal('{"a":').path, undefined);
    assert.equal(refusal('').path, undefined);
  });

  it('counts member names in the text as JSON.parse sees them, escapes and colons in strings included', () => {
    assert.equal(memberNamesIn('{"a:b":"c:d","e\\"":{"f":"\\\\"},"g":[{"h":":"}]}'), 5);
    assert.equal(memberNamesIn('[1,"x",null]'), 0);
    assert.equal(repeatedMemberIn('{"a\\\\":1,"b":{"a\\\\":2}}'), undefined);
  });

  it('accepts every value JSON.stringify writes from well-formed, NUL-free data, unchanged', () => {
    const text = fc.string({ unit: 'grapheme' }).filter((s) => textProblem(s) === undefined);
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }),
        fc.boolean(), fc.constant(null), fc.array(tie('value')), fc.dictionary(text, tie('value'))),
    })).value;
    fc.assert(fc.property(json, (value) => {
      const sent = JSON.stringify(value);
      assert.equal(JSON.stringify(parseIJson(sent, 1000)), sent);
    }), { seed: 7493, numRuns: 300 });
  });
});

describe('text that cannot be stored', () => {
  it('names NUL and lone surrogates and passes everything else', () => {
    assert.match(textProblem('a\u0000')!, /NUL/);
    assert.match(textProblem('\ud800')!, /surrogate/);
    assert.match(textProblem('a\udfff')!, /surrogate/);
    assert.match(textProblem('\udc00\ud800')!, /surrogate/); // a pair in the wrong order
    for (const fine of ['', 'plain', '🚀', '\u2028\u2029', '\ufeff\uffff', 'e\u0301', '\u0001\u001f']) assert.equal(textProblem(fine), undefined, fine);
  });
});
