// A realistic synthetic log: a few dozen actions, 1,000 actors, 5,000 targets, IPs in a few
// networks, ~90 days of history ending now, about 1 in 8 events failing.

import { createHash } from 'node:crypto';
import { categoryOf } from '../../src/domain/actions.js';
import type { NewEvent } from '../../src/domain/event.js';
import { sealEvents } from '@stele/integrity';
import type { PendingEvent, Store } from '../../src/store/port.js';

const ACTIONS = [
  'user.login_succeeded', 'user.login_failed', 'user.logout', 'member.invited', 'member.role_changed', 'member.removed',
  'document.created', 'document.viewed', 'document.updated', 'document.deleted', 'api_key.created', 'settings.updated',
  'export.created', 'payment.succeeded', 'device.registered', 'job.completed', 'permission_change', 'RuleCreated',
];
const DAY = 86_400_000;

export function syntheticEvent(i: number, n: number, endMs: number): NewEvent {
  const action = ACTIONS[(i * 7 + (i >> 3)) % ACTIONS.length]!;
  const actor = i % 1000;
  const occurred = endMs - Math.floor(((n - i) / n) * 90 * DAY);
  const at = new Date(occurred).toISOString();
  return {
    id: `evt-${i}`,
    action,
    category: categoryOf(action),
    occurred_at: at,
    received_at: at,
    actor: { id: `user_${actor}`, type: 'user', email: `user${actor}@example.com`, name: `User ${actor}` },
    target: { type: i % 3 ? 'document' : 'user', id: `target_${i % 5000}`, slug: `t-${i % 5000}` },
    context: { ip: i % 4 === 0 ? `10.${(i >> 8) & 255}.${i & 255}.${actor & 255}` : `192.0.2.${actor & 255}`, user_agent: 'Mozilla/5.0 (bench)', request_id: `req-${i}` },
    success: i % 8 !== 0,
    details: i % 5 === 0 ? { from_role: 'viewer', to_role: i % 10 === 0 ? 'admin' : 'editor' } : { attempt: i % 3 },
  };
}

/**
 * The synthetic log's i-th event (of n, its last minute ago) as a client sends it: without the
 * fields the server sets, and with its id only when asked (an SDK's idempotent resend).
 */
export function clientEvent(i: number, n: number, options: { withId?: boolean } = {}) {
  const { id, category: _c, received_at: _r, ...input } = syntheticEvent(i, n, Date.now() - 60_000);
  return options.withId ? { id, ...input } : input;
}

export function pending(event: NewEvent): PendingEvent {
  return { event, inputHash: createHash('sha256').update(event.id).digest() };
}

/** Appends n synthetic events through the store port in batches of 1,000 (the ingest path minus HTTP). */
export async function seed(store: Store, tenantId: string, n: number, endMs: number, log: (line: string) => void): Promise<void> {
  const started = performance.now();
  for (let from = 0; from < n; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - from) }, (_, k) => pending(syntheticEvent(from + k, n, endMs)));
    await store.appendEvents(tenantId, batch, sealEvents);
    if ((from / 1000) % 100 === 99) log(`  seeded ${from + 1000} events (${Math.round((from + 1000) / ((performance.now() - started) / 1000))}/s)`);
  }
}
