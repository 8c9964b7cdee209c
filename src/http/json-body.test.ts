import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SteleError } from '../domain/errors.js';
import { firstInvalidUtf8, parseJsonBody } from './json-body.js';

const refusal = (bytes: Buffer): SteleError => {
  try {
    parseJsonBody(bytes, 64);
  } catch (error) {
    assert.ok(error instanceof SteleError);
    return error;
  }
  assert.fail('the body was accepted');
};

describe('the JSON body parser', () => {
  it('refuses invalid UTF-8 instead of reading it as U+FFFD, saying at which byte', () => {
    const body = Buffer.concat([Buffer.from('{"name":"ab'), Buffer.from([0xff]), Buffer.from('"}')]);
    const error = refusal(body);
    assert.equal(error.code, 'invalid_request');
    assert.match(error.message, /not valid UTF-8 \(at byte 11\)/);
  });

  it('refuses UTF-8 encoded surrogates, overlong forms and truncated sequences', () => {
    for (const bad of [[0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
      const body = Buffer.concat([Buffer.from('["'), Buffer.from(bad), Buffer.from('"]')]);
      assert.match(refusal(body).message, /at byte 2\)/, bad.join(' '));
    }
  });

  it('names the event by index and the field inside it for a batch', () => {
    const error = refusal(Buffer.from('[{"action":"a"},{"action":"b","details":{"n":9007199254740993}}]'));
    assert.deepEqual(error.details, [{ index: 1, field: 'details.n', message: error.details[0]!.message }]);
    assert.match(error.message, /\[1\]\.details\.n is beyond/);
  });

  it('names the field of a single object body', () => {
    assert.deepEqual(refusal(Buffer.from('{"name":"\\u0000"}')).details.map((d) => d.field), ['name']);
  });

  it('answers an empty body and text that is not JSON with invalid_request', () => {
    assert.match(refusal(Buffer.alloc(0)).message, /empty/);
    assert.match(refusal(Buffer.from('{"a":')).message, /not valid JSON/);
  });

  it('finds the first invalid byte exactly where Node says the valid prefix ends', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const at = firstInvalidUtf8(bytes);
      assert.equal(isUtf8(bytes.subarray(0, at)), true);
      if (at < bytes.length) assert.equal(isUtf8(bytes), false);
      else assert.equal(isUtf8(bytes), true);
    }), { seed: 3629, numRuns: 2000 });
  });
});
