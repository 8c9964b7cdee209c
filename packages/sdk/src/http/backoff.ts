// How long to wait before sending again: exponential in the failures so far, with jitter (a random
// share of the step, so many clients that failed together do not come back together), capped, and
// never sooner than the server's Retry-After. The same policy as the server's own retries
// (src/background/backoff.ts), kept here because the SDK depends on nothing of the server.

export interface BackoffPolicy {
  /** The first retry's upper bound in ms (default 200). */
  baseMs?: number;
  /** The largest wait in ms (default 30 s). */
  maxMs?: number;
}

/** The wait before retry number `failures` (1 after the first failure); Retry-After, when given, is a floor. */
export function backoffDelay(failures: number, policy: BackoffPolicy = {}, retryAfterMs?: number, random: () => number = Math.random): number {
  const base = policy.baseMs ?? 200;
  const max = policy.maxMs ?? 30_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, max * 12)));
}

/** A Retry-After header in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
