// Slows password guessing at sign-in, per account (the email, whether or not a user has it, so the
// throttle cannot tell which emails exist) and per client address. The state is kept as records in
// the store, so every Stele process on one database shares it and a restart forgets nothing.
//
// A subject (an account or an address) has a run of failures: failures with less than `windowMs`
// between each and the next, the last one less than `windowMs` ago. The first `threshold` failures
// of a run cost nothing; after that each attempt must wait 2^(failures - threshold + 1) seconds
// after the last failure (2 s, 4 s, 8 s ...), at most `maxDelayMs`. An attempt that comes earlier
// is refused without its password being checked. A successful sign-in ends the account's run, not
// the address's: an attacker's own account must not clear its address.
//
// Admitting an attempt and checking its password are two steps, so a burst of parallel attempts
// could all pass the first before any failure is recorded. So an attempt first takes a gate of its
// subject (a record, deleted when the attempt ends), then counts the gates held and the failures:
// while failures are free, failures plus attempts in flight may not exceed the threshold; once
// waits apply, only one attempt may be in flight. A burst gets no more password checks than a
// patient caller would (parallel attempts that see each other may all be refused: they are told
// to retry in a second).
//
// Records, each subject under a tenant id of its own (`sign-in:<kind>:<SHA-256 of the value>`):
//   sign_in_failure  one per failure (id: UUIDv7);
//   sign_in_gate     one per attempt in flight (a minute-old one is a crashed holder's, ignored
//                    and deleted);
//   sign_in_alarm    `run`: inserted when the run reaches its threshold, so a run is reported once
//                    however many processes see it; deleted with the run.

import { sha256Hex } from '../auth/secrets.js';
import { uuidv7 } from '../domain/ids.js';
import type { RecordKey, Store, StoredRecord } from '../store/port.js';

const FAILURE = 'sign_in_failure';
const GATE = 'sign_in_gate';
const ALARM = 'sign_in_alarm';
const GATE_STALE_MS = 60_000;
/** Failures of a run kept beyond the threshold; past them the wait is at its cap anyway. */
const KEPT_BEYOND_THRESHOLD = 32;

export interface SignInThrottleOptions {
  now?: () => number;
  /** Free failures of an account's run (default 5). */
  accountThreshold?: number;
  /** Free failures of an address's run (default 20: several people may share one address). */
  addressThreshold?: number;
  /** A run ends after this long without a failure (default one hour). */
  windowMs?: number;
  /** The longest wait between attempts (default 15 minutes; keep it below windowMs). */
  maxDelayMs?: number;
}

/** A run of failures as `brute_force.detected` reports it. */
export interface FailureRun {
  failures: number;
  firstFailureAt: string;
  lastFailureAt: string;
}

export interface SignInAttempt {
  /** Records a failure; returns the account's run when this failure took it to its threshold (once per run). */
  failed(): Promise<FailureRun | undefined>;
  /** Ends the account's run of failures. */
  succeeded(): Promise<void>;
  /** Lets the next attempt in: call once, whatever happened. */
  end(): Promise<void>;
}

export type Admission =
  | { admitted: true; attempt: SignInAttempt }
  | { admitted: false; retryAfterSeconds: number; subject: 'account' | 'address' };

interface Subject {
  kind: 'account' | 'address';
  tenantId: string;
  threshold: number;
}

type Entry = { gate: RecordKey } | { retryAfterMs: number };

export function createSignInThrottle(store: Store, options: SignInThrottleOptions = {}) {
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? 3_600_000;
  const maxDelayMs = options.maxDelayMs ?? 900_000;
  const accountThreshold = options.accountThreshold ?? 5;
  const addressThreshold = options.addressThreshold ?? 20;
  const stamp = () => new Date(now()).toISOString();

  const subject = (kind: Subject['kind'], value: string, threshold: number): Subject =>
    ({ kind, tenantId: `sign-in:${kind}:${sha256Hex(value)}`, threshold });

  const waitMs = (failures: number, threshold: number) =>
    failures < threshold ? 0 : Math.min(2 ** (failures - threshold + 1) * 1000, maxDelayMs);

  const alarmOf = (s: Subject): RecordKey => ({ kind: ALARM, tenantId: s.tenantId, id: 'run' });

  /**
   * The subject's current run, oldest first. Failures before it are deleted, and with them the
   * alarm of the run they were; so are the run's middle failures past what can still count.
   */
  async function readRun(s: Subject): Promise<StoredRecord[]> {
    const records = await store.listRecords(FAILURE, s.tenantId);
    let start = records.length;
    for (let next = now(), i = records.length - 1; i >= 0; i--) {
      const at = Date.parse(records[i]!.created_at);
      if (next - at >= windowMs) break;
      start = i;
      next = at;
    }
    const run = records.slice(start);
    const over = run.length - (s.threshold + KEPT_BEYOND_THRESHOLD);
    if (start > 0) await store.deleteRecord(alarmOf(s));
    for (const record of [...records.slice(0, start), ...(over > 0 ? run.splice(1, over) : [])]) {
      await store.deleteRecord({ kind: FAILURE, tenantId: s.tenantId, id: record.id });
    }
    return run;
  }

  /** When the run lets the next attempt in (now or earlier: free failures left, or the wait is over). */
  function opensAt(s: Subject, run: StoredRecord[]): number {
    if (run.length < s.threshold) return 0;
    return Date.parse(run[run.length - 1]!.created_at) + waitMs(run.length, s.threshold);
  }

  /** The gates held now, the caller's included; a crashed holder's (a minute old) are removed. */
  async function heldGates(s: Subject): Promise<number> {
    let held = 0;
    for (const gate of await store.listRecords(GATE, s.tenantId)) {
      if (now() - Date.parse(gate.created_at) < GATE_STALE_MS) held += 1;
      else await store.deleteRecord({ kind: GATE, tenantId: s.tenantId, id: gate.id });
    }
    return held;
  }

  async function enter(s: Subject): Promise<Entry> {
    // A subject that must wait is refused at the cost of one read.
    const early = opensAt(s, await readRun(s));
    if (early > now()) return { retryAfterMs: early - now() };
    const gate = { kind: GATE, tenantId: s.tenantId, id: uuidv7(now()) };
    await store.insertRecord(gate, {}, stamp());
    // Gates before failures: an attempt that ends records its failure before it drops its gate, so
    // it is seen at least once (as a gate, a failure or both), never missed.
    const held = await heldGates(s);
    const run = await readRun(s);
    const open = run.length < s.threshold ? run.length + held <= s.threshold : held === 1 && opensAt(s, run) <= now();
    if (open) return { gate };
    await store.deleteRecord(gate);
    return { retryAfterMs: Math.max(opensAt(s, run) - now(), 1000) };
  }

  async function recordFailure(s: Subject): Promise<void> {
    await store.insertRecord({ kind: FAILURE, tenantId: s.tenantId, id: uuidv7(now()) }, {}, stamp());
  }

  /** The run, when it has reached its threshold and this caller is the first to say so. */
  async function alarm(s: Subject): Promise<FailureRun | undefined> {
    const run = await readRun(s);
    if (run.length < s.threshold || !(await store.insertRecord(alarmOf(s), {}, stamp()))) return undefined;
    return { failures: run.length, firstFailureAt: run[0]!.created_at, lastFailureAt: run[run.length - 1]!.created_at };
  }

  return {
    /** Admits a sign-in attempt for `email` from `address` (both normalised by the caller), or says how long to wait. */
    async admit(email: string, address: string): Promise<Admission> {
      const account = subject('account', email, accountThreshold);
      const fromAddress = subject('address', address, addressThreshold);
      const accountEntry = await enter(account);
      if (!('gate' in accountEntry)) return refused('account', accountEntry.retryAfterMs);
      const addressEntry = await enter(fromAddress);
      if (!('gate' in addressEntry)) {
        await store.deleteRecord(accountEntry.gate);
        return refused('address', addressEntry.retryAfterMs);
      }
      return {
        admitted: true,
        attempt: {
          async failed() {
            await recordFailure(account);
            await recordFailure(fromAddress);
            return alarm(account);
          },
          async succeeded() {
            await store.deleteRecord(alarmOf(account));
            for (const record of await store.listRecords(FAILURE, account.tenantId)) {
              await store.deleteRecord({ kind: FAILURE, tenantId: account.tenantId, id: record.id });
            }
          },
          async end() {
            await store.deleteRecord(accountEntry.gate);
            await store.deleteRecord(addressEntry.gate);
          },
        },
      };
    },
    /** What brute_force.detected reports: an account's free failures, and how long a run lasts without one. */
    accountThreshold,
    windowSeconds: windowMs / 1000,
  };
}

function refused(subject: 'account' | 'address', retryAfterMs: number): Admission {
  return { admitted: false, subject, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
