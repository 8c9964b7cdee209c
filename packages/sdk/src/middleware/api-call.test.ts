import assert from 'node:assert/strict';
import { it } from 'node:test';
import { apiCallEvent, redact, REDACTED } from './api-call.js';

it('keeps allow-listed fields, nested ones by path, and redacts every other', () => {
  const body = { email: 'a@b.c', password: 'x', profile: { name: 'Ada', age: 37 }, tags: ['a'] };
  assert.deepEqual(redact(body, new Set(['email', 'profile.name'])), { email: 'a@b.c', password: REDACTED, profile: { name: 'Ada', age: REDACTED }, tags: REDACTED });
  assert.deepEqual(redact(body, new Set(['profile'])), { email: REDACTED, password: REDACTED, profile: { name: 'Ada', age: 37 }, tags: REDACTED });
  assert.equal(redact('a text body', new Set(['anything'])), REDACTED);
});

it('fits Stele\'s limits: long strings are clipped, and a part too large is replaced by its size', () => {
  const event = apiCallEvent({
    method: 'POST', url: `/upload?${'q='.padEnd(10_000, 'x')}`, status: 200, requestHeaders: { 'user-agent': 'u'.repeat(9000) }, responseHeaders: {},
    requestBody: { blob: 'b'.repeat(20_000) }, startedAt: 0, endedAt: 5,
  }, {}, {}, { allow: { requestBody: ['blob'], query: ['q'] } });
  assert.equal(event.context!.url!.length, 8192);
  assert.equal(event.context!.user_agent!.length, 8192);
  assert.match(String((event.details as Record<string, unknown>).request), /^\[\d+ bytes: too large to record\]$/);
  assert.equal((event.details as Record<string, unknown>).duration_ms, 5);
});
