import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../domain/event.js';
import { createCollapsingRecorder, type Occurrence } from './collapsing-recorder.js';

const MINUTE = 60_000;

interface Written {
  tenantId: string;
  action: string;
  details?: JsonObject;
  count: number;
  at: number;
  firstAt?: number;
}

function recorderWithClock(options: { maxWindows?: number; failWrites?: () => boolean } = {}) {
  const clock = { ms: 1_000_000 };
  const written: Written[] = [];
  const errors: unknown[] = [];
  const recorder = createCollapsingRecorder<Occurrence>({
    now: () => clock.ms,
    windowMs: 10 * MINUTE,
    maxWindows: options.maxWindows ?? 100,
    onError: (error) => errors.push(error),
    async write(tenantId, entry, summary) {
      if (options.failWrites?.()) throw new Error('the store is down');
      written.push({ tenantId, action: entry.action, ...(entry.details && { details: entry.details }), ...summary });
    },
  });
  return { clock, written, errors, recorder };
}

const read = (actorId: string, details: JsonObject = {}): Occurrence => ({ action: 'data.accessed', actor: { type: 'api_key', id: actorId }, details });

describe('the collapsing recorder', () => {
  it('writes the first occurrence at once and 49 repeats as one event when the window ends', async () => {
    const { clock, written, recorder } = recorderWithClock();
    for (let i = 0; i < 50; i++) {
      await recorder.record('t1', read('k1', { rows: 3 }), { same: { q: 'x' }, sum: ['rows'] });
      clock.ms += 1000;
    }
    assert.deepEqual(written.map((w) => w.count), [1], 'repeats within the window only count');
    clock.ms += 10 * MINUTE;
    await recorder.flushDue();
    assert.equal(written.length, 2);
    const flushed = written[1]!;
    assert.equal(flushed.count, 49);
    assert.equal(flushed.firstAt, 1_000_000 + 1000, 'from the first repeat');
    assert.equal(flushed.at, 1_000_000 + 49_000, 'to the last');
    assert.equal(flushed.details?.rows, 49 * 3, 'summed over the repeats');
    assert.equal(recorder.openWindows, 0);
  });

  it('keeps readers, tenants and questions apart', async () => {
    const { written, recorder } = recorderWithClock();
    await recorder.record('t1', read('k1'), { same: { q: 'a' } });
    await recorder.record('t1', read('k2'), { same: { q: 'a' } });
    await recorder.record('t2', read('k1'), { same: { q: 'a' } });
    await recorder.record('t1', read('k1'), { same: { q: 'b' } });
    await recorder.record('t1', { ...read('k1'), action: 'access_denied' }, { same: { q: 'a' } });
    await recorder.record('t1', read('k1'), { same: { q: 'a' } });
    assert.equal(written.length, 5);
    assert.equal(recorder.openWindows, 5);
  });

  it('opens a new window once the previous one ended, after writing its repeats', async () => {
    const { clock, written, recorder } = recorderWithClock();
    await recorder.record('t1', read('k1'), { same: null });
    await recorder.record('t1', read('k1'), { same: null });
    clock.ms += 10 * MINUTE;
    await recorder.record('t1', read('k1'), { same: null });
    assert.deepEqual(written.map((w) => w.count), [1, 1, 1], 'first, the repeat of the first window, first of the next');
    assert.equal(written[1]!.firstAt, written[1]!.at);
    assert.equal(written[2]!.firstAt, undefined);
  });

  it('writes nothing more for a window without repeats, and every pending count on flushAll', async () => {
    const { written, recorder } = recorderWithClock();
    await recorder.record('t1', read('k1'), { same: 1 });
    await recorder.record('t1', read('k2'), { same: 1 });
    await recorder.record('t1', read('k2'), { same: 1 });
    await recorder.record('t1', read('k2'), { same: 1 });
    await recorder.flushAll();
    assert.deepEqual(written.map((w) => w.count), [1, 1, 2]);
    assert.equal(recorder.openWindows, 0);
  });

  it('counts concurrent repeats of an occurrence whose first write is still in flight', async () => {
    const { written, recorder } = recorderWithClock();
    await Promise.all(Array.from({ length: 20 }, () => recorder.record('t1', read('k1'), { same: 1 })));
    await recorder.flushAll();
    assert.deepEqual(written.map((w) => w.count), [1, 19]);
  });

  it('writes every occurrence on its own past the window limit, so memory stays bounded', async () => {
    const { written, recorder } = recorderWithClock({ maxWindows: 2 });
    for (const id of ['a', 'b', 'c', 'c', 'c']) await recorder.record('t1', read(id), { same: 1 });
    assert.equal(recorder.openWindows, 2);
    assert.deepEqual(written.map((w) => w.count), [1, 1, 1, 1, 1]);
  });

  it('lets the caller see a failed first write, and the next occurrence try again', async () => {
    let down = true;
    const { written, recorder } = recorderWithClock({ failWrites: () => down });
    await assert.rejects(recorder.record('t1', read('k1'), { same: 1 }), /store is down/);
    assert.equal(recorder.openWindows, 0);
    down = false;
    await recorder.record('t1', read('k1'), { same: 1 });
    assert.deepEqual(written.map((w) => w.count), [1]);
  });

  it('reports a failed flush instead of throwing it at an unrelated caller', async () => {
    let down = false;
    const { clock, errors, recorder } = recorderWithClock({ failWrites: () => down });
    await recorder.record('t1', read('k1'), { same: 1 });
    await recorder.record('t1', read('k1'), { same: 1 });
    down = true;
    clock.ms += 10 * MINUTE;
    await recorder.flushDue();
    assert.equal(errors.length, 1);
    assert.equal(recorder.openWindows, 0);
  });
});
