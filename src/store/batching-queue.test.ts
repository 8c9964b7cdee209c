import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBatchingQueue } from './batching-queue.js';

describe('createBatchingQueue', () => {
  it('runs the first job at once and groups the jobs that arrive while it runs', async () => {
    const groups: string[][] = [];
    const enqueue = createBatchingQueue<string, string>(async (_key, jobs) => {
      groups.push(jobs);
      await new Promise((resolve) => setTimeout(resolve, 10));
      return jobs.map((job) => ({ ok: job.toUpperCase() }));
    });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((job) => enqueue('t1', job)));
    assert.deepEqual(results, ['A', 'B', 'C', 'D']);
    assert.deepEqual(groups, [['a'], ['b', 'c', 'd']]);
  });

  it('keeps keys apart, fails one job alone, or the whole group when the run throws', async () => {
    const enqueue = createBatchingQueue<number, number>(async (key, jobs) => {
      if (key === 'broken') throw new Error('database down');
      return jobs.map((job) => (job < 0 ? { error: new Error(`bad ${job}`) } : { ok: job * 2 }));
    });
    const [ok, bad, down] = await Promise.allSettled([enqueue('t1', 2), enqueue('t1', -1), enqueue('broken', 1)]);
    assert.deepEqual(ok, { status: 'fulfilled', value: 4 });
    assert.match(String((bad as PromiseRejectedResult).reason), /bad -1/);
    assert.match(String((down as PromiseRejectedResult).reason), /database down/);
    assert.equal(await enqueue('t1', 5), 10, 'the queue keeps working after failures');
  });
});
