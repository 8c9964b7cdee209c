// The streams worker of one process. Each pass (every `pollMs`, or at once when kicked by a
// create, resume or replay here) looks at every tenant's streams: a stream that should be
// delivered and is not delivered here takes its lease (background/lease.ts), and gets a runner
// (stream-runner.ts) of its own, so a slow receiver holds up no other stream. With several
// processes on one database, each stream is delivered by exactly one of them at a time; when
// that process dies its lease expires and another takes the stream over. Runners that finished
// (stream paused, disabled, deleted, lease lost) are stopped and their lease released.

import type { Leases } from '../background/lease.js';
import { createWorkerLoop, type WorkerLogger } from '../background/worker-loop.js';
import { createStreamRunner, type StreamRunner, type StreamRunnerDeps } from './stream-runner.js';

export interface StreamDelivererDeps extends StreamRunnerDeps {
  leases: Leases;
  log: StreamRunnerDeps['log'] & WorkerLogger;
}

export function createStreamDeliverer(deps: StreamDelivererDeps) {
  const runners = new Map<string, { tenantId: string; runner: StreamRunner; release: (ended: boolean) => Promise<void> }>();

  async function stopRunner(id: string): Promise<void> {
    const entry = runners.get(id);
    if (!entry) return;
    runners.delete(id);
    await entry.runner.stop();
    try {
      await entry.release(entry.runner.finished === 'deleted');
    } catch (error) {
      deps.log.error({ err: error, stream_id: id, tenant_id: entry.tenantId }, 'stream lease not released; it expires');
    }
  }

  /** Whether a stream should be delivered by somebody: it exists, is not paused, not disabled. */
  async function deliverable(tenantId: string, id: string): Promise<boolean> {
    const stream = await deps.streams.get(tenantId, id);
    if (!stream || stream.paused) return false;
    const delivery = await deps.streams.delivery(tenantId, id);
    if (!delivery) return false;
    return !delivery.disabled || delivery.disabled.generation < stream.enable_generation;
  }

  const loop = createWorkerLoop({
    name: 'stream deliverer',
    pollMs: deps.pollMs,
    log: deps.log,
    async pass(signal) {
      const streams = await deps.streams.all();
      const listed = new Set(streams.map((s) => s.id));
      for (const [id, { runner }] of runners) {
        if (runner.finished || !listed.has(id)) await stopRunner(id);
      }
      for (const { tenantId, id } of streams) {
        if (signal.aborted) return;
        if (runners.has(id) || !(await deliverable(tenantId, id))) continue;
        const lease = await deps.leases.acquire(tenantId, `stream:${id}`);
        if (!lease) continue; // another process delivers it
        const runner = createStreamRunner(deps, tenantId, id, lease, () => loop.kick());
        runners.set(id, {
          tenantId, runner,
          release: async (ended) => (ended ? lease.end() : lease.release()),
        });
        runner.start();
      }
    },
  });

  return {
    start: () => loop.start(),
    /** A stream changed here (created, edited, paused, resumed, replayed): look now rather than at the next poll. */
    kick(streamId?: string): void {
      if (streamId !== undefined) runners.get(streamId)?.runner.kick();
      loop.kick();
    },
    async stop(): Promise<void> {
      await loop.stop();
      await Promise.all([...runners.keys()].map(stopRunner));
    },
  };
}

export type StreamDeliverer = ReturnType<typeof createStreamDeliverer>;
