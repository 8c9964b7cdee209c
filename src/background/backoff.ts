// How long to wait before retrying something that failed (a delivery, a notification, an upload):
// exponential in the number of failures so far, with "full jitter" (a random share of the
// exponential step, so many clients failing together do not retry together), capped, and never
// sooner than a receiver's Retry-After.

export interface BackoffPolicy {
  /** The first retry's upper bound (default 1 s). */
  baseMs?: number;
  /** The largest wait (default 5 minutes). */
  maxMs?: number;
}

/**
 * The wait before retry number `failures` (1 after the first failure). `random` is injectable
 * for tests; `retryAfterMs`, when the receiver said, is a floor.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy = {}, retryAfterMs?: number, random: () => number = Math.random): number {
  const base = policy.baseMs ?? 1000;
  const max = policy.maxMs ?? 5 * 60_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  // Full jitter, but at least half the step so a retry is never immediate.
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, max * 12)));
}

/**
 * A Retry-After header as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
