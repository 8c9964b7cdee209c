// What authentication reads from the store on every request, kept for a moment: API keys by hash,
// and the stored admin token's hash. Without it every request (a single audit event included)
// pays a database read before any work; with it, a busy key is read about once a second.
//
// Revocation: the process that revokes a key forgets what it holds (forget), so there the key is
// refused from its next request. Another process or node (--workers, several nodes on one
// PostgreSQL, `stele keys revoke` run against the SQLite file) refuses it once its copy is older
// than CREDENTIAL_CACHE_MS: within one second. Only keys that exist are kept (an unknown token is
// read again each time, so random tokens cannot fill the cache), at most MAX_KEYS of them.

import type { ApiKeyRecord, Store } from '../store/port.js';

/** How long a key read from the store is believed: the bound on revocation in other processes. */
export const CREDENTIAL_CACHE_MS = 1000;
const MAX_KEYS = 10_000;
/** The setting that holds the generated admin token's SHA-256 (authenticate.ts writes it at first start). */
export const ADMIN_TOKEN_SETTING = 'admin_token_sha256';

export interface CredentialLookup {
  /** The key with this hash (revoked ones included), or undefined. */
  findKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** The stored admin token's hash (the one generated at first start), if any. */
  adminTokenHash(): Promise<string | undefined>;
  /** Drops every kept key: called when a key is revoked in this process. */
  forget(): void;
}

export function createCredentialLookup(store: Store, options: { ttlMs?: number; now?: () => number } = {}): CredentialLookup {
  const ttlMs = options.ttlMs ?? CREDENTIAL_CACHE_MS;
  const now = options.now ?? Date.now;
  const keys = new Map<string, { key: ApiKeyRecord; at: number }>();
  let admin: { hash: string | undefined; at: number } | undefined;
  // Bumped by forget(): a read that started before a revocation must not keep what it read.
  let generation = 0;

  return {
    async findKey(keyHash) {
      const kept = keys.get(keyHash);
      if (kept && now() - kept.at < ttlMs) return kept.key;
      const startedIn = generation;
      const at = now();
      const key = await store.findApiKeyByHash(keyHash);
      if (key && ttlMs > 0 && startedIn === generation) {
        keys.delete(keyHash);
        if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
        keys.set(keyHash, { key, at });
      }
      return key;
    },
    async adminTokenHash() {
      if (admin && now() - admin.at < ttlMs) return admin.hash;
      const at = now();
      const hash = await store.getSetting(ADMIN_TOKEN_SETTING);
      if (ttlMs > 0) admin = { hash, at };
      return hash;
    },
    forget() {
      generation++;
      keys.clear();
      admin = undefined;
    },
  };
}
