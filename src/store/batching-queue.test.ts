import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBatchingQueue, type JobResult } from './batching-queue.js';

const options = { weight: (job: unknown) => (typeof job === 'number' ? Math.abs(job) : 1), retryAlone: () => false };
const later = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('createBatchingQueue', () => {
  it('groups the jobs of one event-loop turn, and those that arrive while a group runs form the next', async () => {
    const groups: string[][] = [];
    const queue = createBatchingQueue<string, string>(async (_key, jobs) => {
      groups.push(jobs);
      await later();
      return jobs.map((job) => ({ ok: job.toUpperCase() }));
    }, options);
    const first = ['a', 'b'].map((job) => queue.enqueue('t1', job));
    await new Promise((resolve) => setImmediate(resolve));
    const second = ['c', 'd'].map((job) => queue.enqueue('t1', job));
    assert.deepEqual(await Promise.all([...first, ...second]), ['A', 'B', 'C', 'D']);
    assert.deepEqual(groups, [['a', 'b'], ['c', 'd']]);
  });

  it('bounds a group by the events it holds, in order, and lets a heavier job go alone', async () => {
    const groups: number[][] = [];
    const queue = createBatchingQueue<number, number>(async (_key, jobs) => {
      groups.push(jobs);
      return jobs.map((job) => ({ ok: job }));
    }, { ...options, maxEvents: 10 });
    await Promise.all([4, 5, 2, 30, 1, 9].map((job) => queue.enqueue('t1', job)));
    assert.deepEqual(groups, [[4, 5], [2], [30], [1, 9]]);
  });

  it('keeps keys apart, fails one job alone, or the whole group when the run throws', async () => {
    const queue = createBatchingQueue<number, number>(async (key, jobs) => {
      if (key === 'broken') throw new Error('database down');
      return jobs.map((job): JobResult<number> => (job < 0 ? { error: new Error(`bad ${job}`) } : { ok: job * 2 }));
    }, options);
    const [ok, bad, down, down2] = await Promise.allSettled([queue.enqueue('t1', 2), queue.enqueue('t1', -1), queue.enqueue('broken', 1), queue.enqueue('broken', 3)]);
    assert.deepEqual(ok, { status: 'fulfilled', value: 4 });
    assert.match(String((bad as PromiseRejectedResult).reason), /bad -1/);
    assert.match(String((down as PromiseRejectedResult).reason), /database down/);
    assert.match(String((down2 as PromiseRejectedResult).reason), /database down/);
    assert.equal(await queue.enqueue('t1', 5), 10, 'the queue keeps working after failures');
  });

  it('runs the jobs of a refused group one by one when retryAlone allows it, so only the bad one fails', async () => {
    const groups: number[][] = [];
    const queue = createBatchingQueue<number, number>(async (_key, jobs) => {
      groups.push(jobs);
      if (jobs.includes(13)) throw new Error('constraint refused 13');
      return jobs.map((job) => ({ ok: job }));
    }, { ...options, retryAlone: (error) => /refused/.test(String(error)) });
    const settled = await Promise.allSettled([1, 13, 2].map((job) => queue.enqueue('t1', job)));
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(groups, [[1, 13, 2], [1], [13], [2]]);
  });

  it('resolves nothing before the run has returned, and says when it is drained', async () => {
    let release!: () => void;
    const committed = new Promise<void>((resolve) => { release = resolve; });
    const queue = createBatchingQueue<number, number>(async (_key, jobs) => {
      await committed;
      return jobs.map((job) => ({ ok: job }));
    }, options);
    let resolved = 0;
    const jobs = [1, 2, 3].map((job) => queue.enqueue('t1', job).then(() => { resolved++; }));
    let drained = false;
    const idle = queue.drained().then(() => { drained = true; });
    await later();
    assert.equal(resolved, 0);
    assert.equal(drained, false);
    release();
    await Promise.all([...jobs, idle]);
    assert.equal(resolved, 3);
    assert.equal(drained, true);
  });
});
