// A realistic multi-tenant data set (issue 22): the seed taxonomies' actions with the mix a SaaS
// product's audit log has (sign-ins and reads dominate; role changes, exports and secret rotations
// are rare), tenants and actors skewed as real customers are (a few large tenants, a few very
// active people in each), 90 days ending at `endMs` with busier weekdays and working hours, each
// actor with their own addresses, browser and city, and the details each action usually carries.
// Deterministic: the same options make the same events, so a data set can be grown in steps.
//
// Events are appended through the store port (the ingest path minus HTTP), sealed as ingest seals
// them, so every integrity check, proof and export runs on it as on a real log. Ids follow the
// other benchmarks' synthetic log (`evt-<i>` within a tenant, `user_<k>`, `target_<k>`), so their
// measurements run on it unchanged.

import { createHash } from 'node:crypto';
import { sealEvents } from '@stele/integrity';
import { categoryOf } from '../../src/domain/actions.js';
import type { JsonObject, NewEvent } from '../../src/domain/event.js';
import { SEED_TAXONOMY } from '../../src/domain/seed-taxonomy.js';
import type { PendingEvent, Store } from '../../src/store/port.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const DAYS = 90;

export interface DataSetOptions {
  /** The events the data set will hold once fully grown: times are spread over 90 days for this many. */
  plannedEvents: number;
  tenants?: number;
  /** People (and service accounts) per tenant; activity among them is skewed. */
  actorsPerTenant?: number;
  endMs: number;
  seed?: number;
}

/** Mulberry32: small, fast and good enough for shaping synthetic data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Running sums of the weights: cdf[i] = weights[0] + ... + weights[i]. */
function cumulative(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

/** The first index whose running sum passes x (binary search). */
function indexAt(cdf: readonly number[], x: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A sampler over weights: index i with probability weights[i] / sum. */
function weighted(weights: readonly number[]): (u: number) => number {
  const cdf = cumulative(weights);
  return (u) => indexAt(cdf, u * cdf.at(-1)!);
}

const zipf = (n: number, s: number) => Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s);

// How often each seed action appears per 1,000 events of a typical product.
const ACTION_MIX: Record<string, number> = {
  'login.succeeded': 180, 'login.failed': 45, logout: 90, 'password.changed': 4, 'password.reset_requested': 6, 'mfa.enabled': 2, 'mfa.disabled': 0.5,
  'session.revoked': 2, 'permission.granted': 3, 'permission.revoked': 2, 'access.denied': 12, 'member.invited': 4, 'member.joined': 3,
  'member.removed': 1.5, 'member.role_changed': 2, 'resource.created': 70, 'resource.updated': 150, 'resource.deleted': 15, 'resource.archived': 5,
  'resource.restored': 1, 'data.exported': 3, 'data.viewed': 160, 'file.downloaded': 40, 'setting.changed': 6, 'integration.connected': 1,
  'integration.disconnected': 0.5, 'webhook.created': 1, 'token.created': 2, 'token.revoked': 1, 'secret.rotated': 0.3, 'threat.detected': 0.5,
  'payment.succeeded': 12, 'payment.failed': 2, 'refund.issued': 0.5, 'subscription.changed': 1, 'device.registered': 3, 'device.removed': 1,
  'device.trusted': 2, 'job.started': 25, 'job.succeeded': 24, 'job.failed': 1, 'api.request': 120,
};
const SEED_ACTIONS = Object.values(SEED_TAXONOMY).flatMap((area) => Object.values(area));
const ACTIONS = SEED_ACTIONS.map((a) => a.action);
const pickAction = weighted(ACTIONS.map((a) => ACTION_MIX[a] ?? 1));
const SUCCESS: Record<string, boolean | undefined> = Object.fromEntries(SEED_ACTIONS.map((a) => [a.action, 'success' in a ? a.success : undefined]));

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'okhttp/4.12.0', 'python-requests/2.32.3',
];
const PLACES = ['Berlin, DE', 'London, GB', 'New York, US', 'San Francisco, US', 'Paris, FR', 'Amsterdam, NL', 'Toronto, CA', 'Sydney, AU', 'Tokyo, JP', 'São Paulo, BR', 'Bangalore, IN', 'Madrid, ES'];
const ROLES = ['viewer', 'editor', 'admin', 'owner'];
const TARGET_TYPES = ['document', 'project', 'invoice', 'dashboard', 'report'];
const FORMATS = ['csv', 'xlsx', 'json', 'pdf'];
const JOBS = ['nightly-sync', 'billing-run', 'index-rebuild', 'email-digest'];

/**
 * The hour-of-the-90-days density: weekdays busier than weekends, working hours (in UTC, for
 * customers spread around Europe and the Americas) busier than nights. Returns the sampler of a
 * time for a position u in [0, 1) along the log, monotonic in u, so appends stay in time order.
 */
function timeline(endMs: number): (u: number) => number {
  const startMs = endMs - DAYS * DAY;
  const weights: number[] = [];
  for (let h = 0; h < DAYS * 24; h++) {
    const at = new Date(startMs + h * HOUR);
    const weekend = at.getUTCDay() === 0 || at.getUTCDay() === 6;
    const hour = at.getUTCHours();
    const working = hour >= 7 && hour <= 21 ? 1 : 0.25;
    weights.push((weekend ? 0.35 : 1) * working);
  }
  const cdf = cumulative(weights);
  return (u) => {
    const x = Math.min(u, 0.999_999_999) * cdf.at(-1)!;
    const hour = indexAt(cdf, x);
    const before = hour === 0 ? 0 : cdf[hour - 1]!;
    return Math.floor(startMs + (hour + (x - before) / weights[hour]!) * HOUR);
  };
}

function detailsOf(action: string, r: () => number): JsonObject | undefined {
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!;
  switch (action) {
    case 'login.succeeded': return { method: pick(['password', 'sso', 'passkey']), mfa: r() < 0.6 };
    case 'login.failed': return { reason: pick(['bad_password', 'unknown_user', 'mfa_failed', 'locked']), method: 'password' };
    case 'member.invited': case 'member.joined': return { role: pick(ROLES.slice(0, 3)) };
    case 'member.role_changed': {
      const from = Math.floor(r() * 3);
      return { from_role: ROLES[from]!, to_role: ROLES[from + 1]! };
    }
    case 'permission.granted': case 'permission.revoked': case 'access.denied': return { permission: pick(['billing:read', 'members:write', 'projects:delete', 'audit:read']) };
    case 'resource.updated': return { changes: { title: { from: 'Draft', to: 'Final' }, status: { from: 'open', to: pick(['review', 'closed']) } } };
    case 'data.exported': return { format: pick(FORMATS), rows: Math.floor(10 ** (1 + r() * 4)) };
    case 'setting.changed': return { setting: pick(['sso.enforced', 'retention.days', 'ip_allowlist']), from: false, to: true };
    case 'payment.succeeded': case 'refund.issued': return { amount: Math.round(r() * 50_000) / 100, currency: pick(['EUR', 'USD', 'GBP']) };
    case 'payment.failed': return { amount: Math.round(r() * 50_000) / 100, currency: 'USD', reason: pick(['card_declined', 'insufficient_funds']) };
    case 'job.started': return { job: pick(JOBS) };
    case 'job.succeeded': return { job: pick(JOBS), duration_ms: Math.floor(r() * 60_000) };
    case 'job.failed': return { job: pick(JOBS), error: 'timeout' };
    case 'api.request': return { route: pick(['GET /v1/projects', 'POST /v1/documents', 'GET /v1/invoices/:id']), duration_ms: Math.round(r() * 2000) / 10 };
    default: return undefined;
  }
}

export interface DataSet {
  readonly tenantIds: readonly string[];
  /** Events appended so far, per tenant. */
  readonly counts: ReadonlyMap<string, number>;
  /** Appends events until the data set holds `total` events in all; returns the append rate of this step. */
  growTo(store: Store, total: number, log?: (line: string) => void): Promise<{ events: number; seconds: number; per_second: number }>;
}

/** The data set's tenants are created on the first growTo; grow it in steps to measure at each size. */
export function createDataSet(options: DataSetOptions): DataSet {
  const tenants = options.tenants ?? 12;
  const actors = options.actorsPerTenant ?? 2_000;
  const r = prng(options.seed ?? 22);
  const tenantIds = Array.from({ length: tenants }, (_, t) => (t === 0 ? 'bench' : `tenant-${String(t).padStart(2, '0')}`));
  const pickTenant = weighted(zipf(tenants, 1.1));
  const pickActor = weighted(zipf(actors, 1.05));
  const pickTarget = weighted(zipf(20_000, 0.9));
  const timeAt = timeline(options.endMs);
  const counts = new Map(tenantIds.map((id) => [id, 0]));
  let total = 0;
  let created = false;

  function eventOf(tenantId: string, index: number): NewEvent {
    const action = ACTIONS[pickAction(r())]!;
    const actor = pickActor(r());
    const service = action.startsWith('job.') || (action === 'api.request' && r() < 0.3);
    const at = new Date(timeAt(total / options.plannedEvents)).toISOString();
    const home = (actor * 2654435761) >>> 0;
    // Most requests come from an actor's usual address; one in twenty from somewhere else.
    const ip = r() < 0.95 ? `10.${(home >> 8) & 255}.${home & 255}.${actor & 255}` : `203.0.113.${Math.floor(r() * 254) + 1}`;
    const target = pickTarget(r());
    const details = detailsOf(action, r);
    const success = SUCCESS[action] ?? r() > 0.02;
    return {
      id: `evt-${index}`,
      action,
      category: categoryOf(action),
      occurred_at: at,
      received_at: at,
      actor: service
        ? { id: `svc_${actor % 8}`, type: 'service', name: `service ${actor % 8}` }
        : { id: `user_${actor}`, type: 'user', email: `user${actor}@${tenantId}.example`, name: `User ${actor}` },
      ...(!action.startsWith('login.') && !action.startsWith('job.') && { target: { type: action.startsWith('member.') ? 'user' : TARGET_TYPES[target % TARGET_TYPES.length]!, id: `target_${target}` } }),
      context: { ip, user_agent: AGENTS[home % AGENTS.length]!, location: PLACES[home % PLACES.length]!, request_id: `req-${tenantId}-${index}`, session_id: `sess-${actor}-${Math.floor(total / 5000)}` },
      success,
      ...(details && { details }),
    };
  }

  return {
    tenantIds,
    counts,
    async growTo(store, target, log) {
      if (!created) {
        const at = new Date(options.endMs - DAYS * DAY).toISOString();
        for (const id of tenantIds) await store.createTenant({ id, name: id, created_at: at });
        created = true;
      }
      const started = performance.now();
      const from = total;
      // Draws of up to 8,000 events, appended per tenant in batches of 1,000, every tenant's at once
      // (PostgreSQL commits different tenants in parallel; SQLite one group after another).
      while (total < target) {
        const batches = new Map<string, PendingEvent[]>();
        const size = Math.min(8_000, target - total);
        for (let k = 0; k < size; k++) {
          const tenantId = tenantIds[pickTenant(r())]!;
          const index = counts.get(tenantId)!;
          counts.set(tenantId, index + 1);
          const event = eventOf(tenantId, index);
          total += 1;
          let batch = batches.get(tenantId);
          if (!batch) batches.set(tenantId, (batch = []));
          batch.push({ event, inputHash: createHash('sha256').update(event.id).digest() });
        }
        // Each tenant's events in chunks of 1,000, one after another; the tenants side by side.
        await Promise.all([...batches].map(async ([tenantId, events]) => {
          for (let i = 0; i < events.length; i += 1000) await store.appendEvents(tenantId, events.slice(i, i + 1000), sealEvents);
        }));
        if (log && Math.floor(total / 100_000) > Math.floor((total - size) / 100_000)) {
          log(`  generated ${total} events (${Math.round((total - from) / ((performance.now() - started) / 1000))}/s)`);
        }
      }
      const seconds = (performance.now() - started) / 1000;
      return { events: total - from, seconds: Math.round(seconds * 100) / 100, per_second: Math.round((total - from) / seconds) };
    },
  };
}
