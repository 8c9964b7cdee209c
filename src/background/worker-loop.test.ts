import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkerLoop } from './worker-loop.js';

describe('the worker loop', () => {
  it('runs passes until stopped, at once when kicked, and goes on after a pass that throws', async () => {
    const errors: object[] = [];
    let passes = 0;
    let release: () => void = () => {};
    const secondPass = new Promise<void>((resolve) => (release = resolve));
    const loop = createWorkerLoop({
      name: 'test worker', pollMs: 60_000, log: { error: (object) => errors.push(object) },
      async pass() {
        passes += 1;
        if (passes === 1) throw new Error('the database is away');
        release();
      },
    });
    loop.start();
    await new Promise((resolve) => setImmediate(resolve));
    loop.kick(); // without the kick the second pass would wait a minute (doubled after the failure)
    await secondPass;
    await loop.stop();
    assert.equal(passes, 2);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as { consecutive_failures: number }).consecutive_failures, 1);
  });

  it('aborts the running pass on stop and waits for it', async () => {
    let sawAbort = false;
    const loop = createWorkerLoop({
      name: 'test worker', pollMs: 10, log: { error: () => {} },
      pass: (signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => { sawAbort = true; resolve(); })),
    });
    loop.start();
    await loop.stop();
    assert.equal(sawAbort, true);
  });
});
