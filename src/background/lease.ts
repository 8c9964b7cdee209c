// A lease over the store's records, so that across processes sharing one database each piece of
// background work (a bulk export job, a schedule, a stream, a purge, a report) runs on one node
// at a time. The records API has no compare-and-set, only an
// insert that fails when the key exists, so a lease is a sequence of generations:
// `<name>#<generation>` records, each {owner, expires_at}. The newest generation is the lease.
//
// - Taking it: when the newest generation has expired (or there is none), insert the next one.
//   Two nodes racing for the same generation: the insert lets exactly one in.
// - A node that read an old generation, stalled, and re-created one that had been cleaned up is
//   caught by the check after the insert: its generation is not the newest, so it backs off.
// - Only the owner writes its own generation (renewal, release), so the unconditional update is
//   safe. Renewal also checks no newer generation exists; if one does, the lease was lost.
// - Old generations (all but the previous one) are deleted by the holder; end() deletes all of
//   them once the thing leased is finished for good.
//
// What a lease cannot give without fencing: a holder that stalls longer than the TTL (a long GC
// pause, a frozen VM) may still be working when another node takes over. Renewal every third of
// the TTL aborts the holder's work as soon as it notices; the TTL bounds the overlap otherwise.

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/port.js';

const KIND = 'lease';

interface LeaseBody {
  owner: string;
  /** Epoch milliseconds; 0 once released. */
  expires_at: number;
}

export interface Lease {
  readonly generation: number;
  /** Aborted when a renewal finds the lease lost, or the store stays unreachable until it would expire. */
  readonly signal: AbortSignal;
  /** Gives the lease up so another node can take it at once. */
  release(): Promise<void>;
  /** Gives it up and deletes every generation: the leased thing is finished for good. */
  end(): Promise<void>;
}

export interface LeaseOptions {
  /** Who holds it: distinct per process. Default: host, pid and a random id. */
  owner?: string;
  ttlMs: number;
  now: () => number;
}

export function createLeases(store: Store, options: LeaseOptions) {
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID()}`;
  const { ttlMs, now } = options;
  const stamp = () => new Date(now()).toISOString();
  const keyOf = (tenantId: string, name: string, generation: number) =>
    ({ kind: KIND, tenantId, id: `${name}#${String(generation).padStart(12, '0')}` });

  async function generations(tenantId: string, name: string): Promise<{ generation: number; body: LeaseBody }[]> {
    const prefix = `${name}#`;
    return (await store.listRecords<LeaseBody>(KIND, tenantId, 10_000))
      .filter((r) => r.id.startsWith(prefix))
      .map((r) => ({ generation: Number(r.id.slice(prefix.length)), body: r.body }))
      .sort((a, b) => a.generation - b.generation);
  }

  /** Takes the lease `name` of a tenant, or returns undefined when another node holds it. */
  async function acquire(tenantId: string, name: string): Promise<Lease | undefined> {
    const newest = (await generations(tenantId, name)).at(-1);
    if (newest && newest.body.expires_at > now()) return undefined;
    const generation = (newest?.generation ?? 0) + 1;
    const key = keyOf(tenantId, name, generation);
    if (!(await store.insertRecord(key, { owner, expires_at: now() + ttlMs } satisfies LeaseBody, stamp()))) return undefined;
    const after = await generations(tenantId, name);
    if (after.at(-1)?.generation !== generation) {
      await store.deleteRecord(key);
      return undefined;
    }
    for (const old of after) if (old.generation < generation - 1) await store.deleteRecord(keyOf(tenantId, name, old.generation));

    const lost = new AbortController();
    const stillNewest = async () => !(await store.getRecord(keyOf(tenantId, name, generation + 1)));
    const renewEveryMs = Math.max(10, Math.floor(ttlMs / 3));
    let expiresAt = now() + ttlMs;
    const timer = setInterval(() => {
      void (async () => {
        const until = now() + ttlMs;
        const renewed = await store.updateRecord(key, { owner, expires_at: until } satisfies LeaseBody, stamp());
        if (!renewed || !(await stillNewest())) lost.abort(new Error(`lease ${name} was lost`));
        else expiresAt = until;
      })().catch((error) => {
        // The store could not be asked (a database blip): the lease stays ours until it expires, and
        // the next renewal may get through. Only one that would come too late gives the lease up.
        if (now() + renewEveryMs >= expiresAt) lost.abort(error);
      });
    }, renewEveryMs);
    timer.unref();
    const stop = () => clearInterval(timer);
    return {
      generation,
      signal: lost.signal,
      async release() {
        stop();
        if (!lost.signal.aborted && (await stillNewest())) await store.updateRecord(key, { owner, expires_at: 0 } satisfies LeaseBody, stamp());
      },
      async end() {
        stop();
        if (lost.signal.aborted || !(await stillNewest())) return;
        for (const { generation: g } of await generations(tenantId, name)) await store.deleteRecord(keyOf(tenantId, name, g));
      },
    };
  }

  return { owner, acquire };
}

export type Leases = ReturnType<typeof createLeases>;
