// StoredEvent fixtures for the format tests: a full one, a bare one, and the hostile strings
// every encoder must survive.

import type { StoredEvent } from '../../../domain/event.js';
import { HOSTILE_STRINGS } from '../../../domain/testing/hostile-strings.js';

export { HOSTILE_STRINGS };

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

export function storedEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: 'evt_01HZX',
    action: 'member.role_changed',
    category: 'authorization',
    occurred_at: '2026-05-01T12:00:00.123Z',
    received_at: '2026-05-01T12:00:01.456Z',
    tenant_id: 'ten_1',
    seq: 42,
    actor: { id: 'user_123', type: 'user', email: 'admin@example.com', name: 'Ada', role: 'admin' },
    target: { type: 'user', id: 'user_456', name: 'john@example.com', slug: 'john', version: '3' },
    context: {
      ip: '192.0.2.10', user_agent: 'Mozilla/5.0 (X11)', location: 'Paris, FR', request_id: 'req_9',
      session_id: 'ses_7', api_key_id: 'key_3', method: 'POST', url: '/api/members/456/role', http_status: 200,
    },
    success: true,
    details: { from_role: 'viewer', to_role: 'editor' },
    leaf_hash: HASH_A,
    chain_hash: HASH_B,
    ...overrides,
  };
}

/** Only what the server always sets. */
export function bareEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: 'evt_bare', action: 'thing.happened', category: 'custom',
    occurred_at: '2026-05-01T12:00:00.000Z', received_at: '2026-05-01T12:00:00.001Z',
    tenant_id: 'ten_1', seq: 1, leaf_hash: HASH_A, chain_hash: HASH_B,
    ...overrides,
  };
}

/** An event with `value` in every free-text field the formats carry. */
export function hostileEvent(value: string, seq = 7): StoredEvent {
  return storedEvent({
    seq,
    id: value,
    action: value,
    actor: { id: value, type: value, email: value, name: value, role: value },
    target: { type: value, id: value, name: value, slug: value },
    context: { ip: '2001:db8::1', user_agent: value, request_id: value, session_id: value, method: value, url: value },
    details: { note: value, [value]: [value] },
  });
}
