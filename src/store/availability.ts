// Keeps a store usable through database outages. Each adapter says which of its driver's errors
// mean "the database cannot do this now" (classify); those reach callers as StoreUnavailableError,
// which HTTP answers with 503 and Retry-After, so no caller ever needs to know a driver's errors.
//
// An 'unreachable' failure also closes a gate: until a probe (a fresh connection) gets through,
// every call fails at once instead of each waiting out a connect or statement timeout of its own,
// and the first probe that succeeds opens it again, so the store recovers by itself when the
// database returns. A gate closed by one broken connection (a backend a DBA terminated) opens again
// at the first probe, a few milliseconds later.

import { StoreUnavailableError, type Store } from './port.js';

export type DatabaseFault =
  /** It cannot be reached: refused, reset, shutting down, or silent past a timeout. */
  | 'unreachable'
  /** It answered, but cannot do this now: a statement timeout, a lock held too long, no free connection. */
  | 'busy';

/** Where a store says that its database went away and came back (pino's logger fits). */
export interface StoreLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export interface AvailabilityOptions {
  /** The database's name in log lines, e.g. "PostgreSQL". */
  database: string;
  /** The adapter's reading of an error it threw: undefined when the error says nothing about availability. */
  classify(error: unknown): DatabaseFault | undefined;
  /**
   * Checks the database over a fresh connection, within a bounded time. Without a probe there is no
   * gate: errors are translated all the same, and each call tries on its own.
   */
  probe?: () => Promise<void>;
  /** Pause between two failed probes. */
  probeEveryMs?: number;
  log?: StoreLog;
}

const RETRY_AFTER_SECONDS = 1;
const UNREACHABLE = 'The database cannot be reached right now; try again shortly.';
const BUSY = 'The database could not do this in time; try again shortly.';

/** Decides, for one store, which failures are unavailability, and whether calls may go through now. */
export interface AvailabilityGate {
  /** Throws StoreUnavailableError at once while the database is known to be unreachable. */
  check(): void;
  /** The error callers should see for `error`; an 'unreachable' one also closes the gate. */
  translate(error: unknown): unknown;
  /** Stops probing (the store is closing). */
  stop(): void;
}

/** The store, with every method guarded by the gate: refused at once while it is closed, and its failures translated. */
export function guardStore(store: Store, gate: AvailabilityGate): Store {
  const call = (method: (...args: unknown[]) => Promise<unknown>) => async (...args: unknown[]): Promise<unknown> => {
    gate.check();
    try {
      return await method.apply(store, args);
    } catch (error) {
      throw gate.translate(error);
    }
  };
  // encodeEventRows: an iteration, guarded at each step; ending it early still ends the adapter's.
  const iteration = (method: (...args: unknown[]) => AsyncIterable<unknown>) => async function* (...args: unknown[]): AsyncGenerator<unknown> {
    gate.check();
    try {
      yield* method.apply(store, args);
    } catch (error) {
      throw gate.translate(error);
    }
  };

  const guarded: Record<string, unknown> = { ...store };
  for (const [name, member] of Object.entries(store)) {
    if (typeof member !== 'function') continue;
    guarded[name] = name === 'encodeEventRows' ? iteration(member as never) : call(member as never);
  }
  guarded.close = async () => {
    gate.stop();
    await store.close();
  };
  return guarded as unknown as Store;
}

/** The fault of an error, or of the error it wraps (drivers and StoreUnavailableError keep the original as `cause`). */
function faultOf(error: unknown, classify: AvailabilityOptions['classify']): DatabaseFault | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const fault = classify(e);
    if (fault) return fault;
  }
  return undefined;
}

export function createAvailabilityGate(options: AvailabilityOptions): AvailabilityGate {
  const { probe, log, database } = options;
  const probeEveryMs = options.probeEveryMs ?? 1000;
  let closed = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function probeOnce(): Promise<void> {
    timer = undefined;
    try {
      await probe!();
    } catch {
      if (!stopped) timer = setTimeout(() => void probeOnce(), probeEveryMs).unref();
      return;
    }
    closed = false;
    log?.info({}, `${database} answers again: serving requests`);
  }

  function close(error: unknown): void {
    if (closed || stopped || !probe) return;
    closed = true;
    log?.warn({ err: error }, `${database} cannot be reached: answering 503 until a probe gets through (one every ${probeEveryMs} ms)`);
    timer = setTimeout(() => void probeOnce(), 0).unref();
  }

  return {
    check(): void {
      if (closed) throw new StoreUnavailableError(UNREACHABLE, RETRY_AFTER_SECONDS);
    },
    translate(error: unknown): unknown {
      const fault = faultOf(error, options.classify);
      if (fault === 'unreachable') close(error);
      if (error instanceof StoreUnavailableError || fault === undefined) return error;
      return new StoreUnavailableError(fault === 'unreachable' ? UNREACHABLE : BUSY, RETRY_AFTER_SECONDS, { cause: error });
    },
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
