import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditEntry } from '../audit-trail/audit-trail.js';
import { loadConfig } from '../config.js';
import { SteleError } from '../domain/errors.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/port.js';
import { createFeatureThread, type FeatureThread } from './feature-thread.js';
import type { ProbeCommand } from './testing/probe-thread.js';

async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a feature thread (the streams thread\'s plumbing), with a probe on the real thread port', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stele-thread-'));
  const config = loadConfig({ STELE_DATA_DIR: dir });
  let store: Store;
  let thread: FeatureThread;
  const messages: Record<string, unknown>[] = [];
  const errors: string[] = [];
  const recorded: [string, AuditEntry][] = [];
  const send = (command: ProbeCommand) => assert.equal(thread.post(command), true);
  const next = (key: string) => until(key, () => messages.find((m) => key in m && !m.seen && (m.seen = true)));

  before(async () => {
    store = openStore(config);
    await store.migrate();
    thread = createFeatureThread({
      name: 'probe', entry: { beside: new URL('./testing/probe-thread.ts', import.meta.url).href, name: 'probe-thread' }, data: { config },
      store,
      trail: {
        async record(tenantId, entry) {
          if (tenantId === 'nobody') throw new Error('no tenant nobody');
          recorded.push([tenantId, entry]);
        },
        async recordAll(tenantId, entries) {
          if (recorded.some(([, entry]) => entry.action === 'alert.fired')) throw new SteleError('idempotency_conflict', 'recorded before');
          for (const entry of entries) recorded.push([tenantId, entry]);
        },
      },
      onMessage: (message) => messages.push(message as Record<string, unknown>),
      log: { error: (_object, message) => errors.push(message) },
    });
    await thread.start();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with its data, writes records through the serving thread and reads them on its own connection', async () => {
    assert.deepEqual((await next('started')).started, dir);
    send({ do: 'write-and-read' });
    const answer = await next('read');
    assert.equal(answer.inserted, true);
    assert.deepEqual(answer.read, { n: 1 });
    assert.deepEqual((await store.getRecord({ kind: 'probe', tenantId: 't1', id: 'p1' }))?.body, { n: 1 }, 'written on the serving thread\'s store');
  });

  it('records through the serving thread\'s trail, and hears its refusals', async () => {
    send({ do: 'record' });
    await next('recorded');
    assert.deepEqual(recorded.map(([tenantId, entry]) => [tenantId, entry.action]), [['t1', 'stream.recovered']]);
    send({ do: 'record-refused' });
    assert.equal((await next('refused')).refused, 'no tenant nobody');
  });

  it('records several entries at once, and a SteleError refusal keeps its code across the threads', async () => {
    send({ do: 'record-all' });
    await next('recordedAll');
    assert.deepEqual(recorded.slice(-2).map(([tenantId, entry]) => [tenantId, entry.action]), [['t1', 'alert.fired'], ['t1', 'alert.fired']]);
    send({ do: 'record-all' });
    const refused = await next('refusedAll');
    assert.deepEqual([refused.refusedAll, refused.code], ['recorded before', 'idempotency_conflict']);
  });

  it('is started again a second after it dies, and stops with its stop handler run', async () => {
    send({ do: 'die' });
    await until('the restart', () => (messages.filter((m) => 'started' in m).length === 2 ? true : undefined));
    assert.match(errors.join('\n'), /the probe thread exited; starting it again/);
    send({ do: 'write-and-read' });
    assert.equal((await next('read')).inserted, false, 'the record the first thread wrote is there');
    await thread.stop();
    assert.ok(messages.some((m) => 'stopping' in m));
    assert.equal(thread.post({ do: 'record' }), false, 'nothing is posted once stopped');
  });
});
