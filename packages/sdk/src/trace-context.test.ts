import assert from 'node:assert/strict';
import { it } from 'node:test';
import { backoffDelay, retryAfterMs } from './http/backoff.js';
import { currentTraceId, runInRequest, traceIdOf } from './trace-context.js';

it('reads the trace id of a valid W3C traceparent only', () => {
  assert.equal(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(traceIdOf('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later'), '4bf92f3577b34da6a3ce929d0e0e4736', 'a later version may add fields');
  for (const bad of [undefined, '', 'garbage', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra']) {
    assert.equal(traceIdOf(bad), undefined, String(bad));
  }
});

it('carries the trace id through everything a request\'s handler does', async () => {
  assert.equal(currentTraceId(), undefined);
  await runInRequest({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(currentTraceId(), '4bf92f3577b34da6a3ce929d0e0e4736');
  });
  assert.equal(currentTraceId(), undefined);
});

it('backs off exponentially with jitter, capped, never sooner than Retry-After', () => {
  assert.equal(backoffDelay(1, { baseMs: 200 }, undefined, () => 0), 100);
  assert.equal(backoffDelay(3, { baseMs: 200 }, undefined, () => 1), 800);
  assert.equal(backoffDelay(30, { baseMs: 200, maxMs: 1000 }, undefined, () => 1), 1000);
  assert.equal(backoffDelay(1, { baseMs: 200 }, 5000, () => 0), 5000);
  assert.equal(retryAfterMs('7'), 7000);
  assert.equal(retryAfterMs(new Date(Date.now() + 3000).toUTCString(), Date.now()) !== undefined, true);
  assert.equal(retryAfterMs('soon'), undefined);
});
