// Redaction at ingest, the way HashiCorp Vault's audit devices hash secrets: per tenant, a list of
// paths (`details.password`, `details.card.*`, `context.ip`) whose values are stored as
// `hmac-sha256:<hex>` under a secret of the tenant's instead of the value. The secret is sealed
// with the instance's secret box (never stored in clear); `hash()` gives the same HMAC, so an
// analyst who knows a value can still find it (`q=details.password:"hmac-sha256:…"`), while the
// log itself never holds it.

import { createHmac, randomBytes } from 'node:crypto';
import { canonicalJson } from '@stele/integrity';
import type { SealedSecret, SecretBox } from '../background/secret-box.js';
import { SteleError } from '../domain/errors.js';
import type { JsonValue } from '../domain/event.js';
import type { ValidEvent } from '../ingest/validate-events.js';
import type { Store } from '../store/port.js';

export const HMAC_PREFIX = 'hmac-sha256:';
const KIND = 'redaction';
const ID = 'config';
/** How long a process trusts its copy of a tenant's paths; another node's change shows after this. */
const CACHE_MS = 5000;
const MAX_PATHS = 100;
// Where a path may start, and (outside details) which members it may name: context.http_status
// and the ids the log is searched and erased by stay as they are.
const ROOTS: Record<string, readonly string[] | undefined> = {
  details: undefined,
  actor: ['email', 'name'],
  target: ['name', 'url'],
  context: ['ip', 'user_agent', 'location', 'url'],
};
const SEGMENT = /^(\*|[^.*\s]{1,128})$/;

interface RedactionBody {
  paths: string[];
  secret: SealedSecret;
  updated_at: string;
}

export interface RedactionView {
  paths: string[];
  updated_at: string | null;
}

/** Refuses a path the redactor could not apply, naming it. */
export function checkPaths(paths: unknown): string[] {
  if (!Array.isArray(paths) || paths.length > MAX_PATHS) throw new SteleError('invalid_request', `paths must be a list of at most ${MAX_PATHS} paths`, [{ field: 'paths', message: 'invalid' }]);
  const out: string[] = [];
  for (const [index, path] of paths.entries()) {
    const parts = typeof path === 'string' ? path.split('.') : [];
    const root = parts[0] ?? '';
    const allowed = Object.hasOwn(ROOTS, root) ? ROOTS[root] : null;
    const fine = parts.length >= 2 && parts.slice(1).every((p) => SEGMENT.test(p))
      && allowed !== null && (allowed === undefined || (parts.length === 2 && allowed.includes(parts[1]!)));
    if (!fine) {
      throw new SteleError('invalid_request',
        `paths[${index}] (${String(path)}) is not a path that can be redacted: details.<key>[.<key>|.*]…, actor.email, actor.name, target.name, target.url, context.ip, context.user_agent, context.location or context.url`,
        [{ field: `paths[${index}]`, message: 'not a redactable path' }]);
    }
    if (!out.includes(path as string)) out.push(path as string);
  }
  return out;
}

/** The HMAC of one value: a string as its UTF-8 bytes, anything else as its RFC 8785 JSON text. */
export function hmacOf(secret: Buffer, value: JsonValue): string {
  const text = typeof value === 'string' ? value : canonicalJson(value as never);
  return HMAC_PREFIX + createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

/** Replaces, in place, the values at `path` (segments after the root; `*` = every member). */
function redactAt(container: Record<string, unknown>, segments: readonly string[], hash: (value: JsonValue) => string): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const keys = head === '*' ? Object.keys(container) : Object.hasOwn(container, head) ? [head] : [];
  for (const key of keys) {
    const value = container[key];
    if (rest.length === 0) {
      if (value !== undefined && !(typeof value === 'string' && value.startsWith(HMAC_PREFIX))) container[key] = hash(value as JsonValue);
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      redactAt(value as Record<string, unknown>, rest, hash);
    }
  }
}

export function createRedaction(deps: { store: Store; secrets: SecretBox; now?: () => number }) {
  const { store, secrets } = deps;
  const now = deps.now ?? Date.now;
  const key = (tenantId: string) => ({ kind: KIND, tenantId, id: ID });
  const context = (tenantId: string) => `redaction:${tenantId}`;
  const cache = new Map<string, { at: number; paths: string[]; secret: Buffer | undefined }>();

  async function load(tenantId: string): Promise<{ paths: string[]; secret: Buffer | undefined }> {
    const cached = cache.get(tenantId);
    if (cached && now() - cached.at < CACHE_MS) return cached;
    const record = await store.getRecord<RedactionBody>(key(tenantId));
    const loaded = {
      at: now(),
      paths: record?.body.paths ?? [],
      secret: record ? Buffer.from(secrets.open<string>(record.body.secret, context(tenantId)), 'base64url') : undefined,
    };
    if (cache.size > 10_000) cache.clear();
    cache.set(tenantId, loaded);
    return loaded;
  }

  /** The tenant's secret, made on first use (another process may make it first: theirs is kept). */
  async function secretOf(tenantId: string): Promise<Buffer> {
    const loaded = await load(tenantId);
    if (loaded.secret) return loaded.secret;
    const sealed = secrets.seal(randomBytes(32).toString('base64url'), context(tenantId));
    await store.insertRecord(key(tenantId), { paths: [], secret: sealed, updated_at: new Date(now()).toISOString() } satisfies RedactionBody, new Date(now()).toISOString());
    cache.delete(tenantId);
    const again = await load(tenantId);
    return again.secret!;
  }

  return {
    async view(tenantId: string): Promise<RedactionView> {
      const record = await store.getRecord<RedactionBody>(key(tenantId));
      return { paths: record?.body.paths ?? [], updated_at: record && record.body.paths.length > 0 ? record.body.updated_at : null };
    },

    /** Sets the paths; returns the ones before. */
    async setPaths(tenantId: string, paths: string[]): Promise<string[]> {
      await secretOf(tenantId);
      const record = (await store.getRecord<RedactionBody>(key(tenantId)))!;
      const at = new Date(now()).toISOString();
      await store.updateRecord(key(tenantId), { ...record.body, paths, updated_at: at } satisfies RedactionBody, at);
      cache.delete(tenantId);
      return record.body.paths;
    },

    /** `hmac-sha256:<hex>` of a value under the tenant's secret: what redaction stores for it. */
    async hash(tenantId: string, value: JsonValue): Promise<string> {
      return hmacOf(await secretOf(tenantId), value);
    },

    /** The events with the tenant's paths redacted (the same objects when it has none). */
    async apply(tenantId: string, events: ValidEvent[]): Promise<ValidEvent[]> {
      const { paths, secret } = await load(tenantId);
      if (paths.length === 0 || !secret) return events;
      const hash = (value: JsonValue) => hmacOf(secret, value);
      const split = paths.map((p) => p.split('.'));
      return events.map((event) => {
        const copy = structuredClone(event) as unknown as Record<string, unknown>;
        for (const [root, ...rest] of split) {
          const container = copy[root!];
          if (container !== null && typeof container === 'object') redactAt(container as Record<string, unknown>, rest, hash);
        }
        return copy as unknown as ValidEvent;
      });
    },
  };
}

export type Redaction = ReturnType<typeof createRedaction>;
