// Dashboard sessions. The cookie carries a 256-bit random token; only its SHA-256 is stored (as
// the record id), so a database reader cannot ride someone's session.

import { newSecret, sha256Hex } from '../auth/secrets.js';
import type { Store } from '../store/port.js';

export interface Session {
  email: string;
  /** Sent back in X-Stele-CSRF on unsafe requests; see csrf.ts. */
  csrf_token: string;
  expires_at: string;
}

const KIND = 'dashboard_session';
const keyOf = (token: string) => ({ kind: KIND, tenantId: '*', id: sha256Hex(token) });

export function createSessionRepository(store: Store, options: { ttlMs: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  return {
    async create(email: string): Promise<{ token: string; session: Session }> {
      const token = newSecret('sts');
      const session: Session = { email, csrf_token: newSecret('csrf'), expires_at: new Date(now() + options.ttlMs).toISOString() };
      await store.insertRecord(keyOf(token), session, new Date(now()).toISOString());
      return { token, session };
    },
    /** The live session of a token; an expired one is deleted on sight. */
    async find(token: string): Promise<Session | undefined> {
      const record = await store.getRecord<Session>(keyOf(token));
      if (!record) return undefined;
      if (Date.parse(record.body.expires_at) <= now()) {
        await store.deleteRecord(keyOf(token));
        return undefined;
      }
      return record.body;
    },
    async delete(token: string): Promise<void> {
      await store.deleteRecord(keyOf(token));
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
