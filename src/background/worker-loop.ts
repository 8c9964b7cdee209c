// The loop every background feature runs in its process: a pass, then a sleep until the next poll
// (or until kicked: something was just queued here), until stopped. A pass that throws is logged
// and the loop goes on, waiting longer after each pass that fails in a row (the database is away)
// up to MAX_BACKOFF_MS rather than logging a failure every poll; the first pass that works resets
// it. Stopping aborts the signal the pass was given and waits for it to return.
// Work shared by several processes takes a lease (lease.ts) inside its pass.

export interface WorkerLogger {
  error(object: object, message: string): void;
}

export interface WorkerLoopOptions {
  /** Named in the log when a pass fails. */
  name: string;
  pollMs: number;
  log: WorkerLogger;
  /** One round of work; should return soon after `signal` aborts. */
  pass(signal: AbortSignal): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;

export function createWorkerLoop(options: WorkerLoopOptions) {
  let loop: Promise<void> | undefined;
  let abort = new AbortController();
  let wake: (() => void) | undefined;
  let kicked = false;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = undefined;
      resolve();
    }
    wake = done;
  });

  async function run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      kicked = false;
      try {
        await options.pass(signal);
        failures = 0;
      } catch (error) {
        failures += 1;
        options.log.error({ err: error, worker: options.name, consecutive_failures: failures }, `${options.name} pass failed`);
      }
      const wait = Math.min(options.pollMs * 2 ** Math.min(failures, 20), Math.max(options.pollMs, MAX_BACKOFF_MS));
      if (!kicked && !signal.aborted) await sleep(wait);
    }
  }

  return {
    start(): void {
      if (loop) return;
      abort = new AbortController();
      loop = run(abort.signal);
    },
    /** Work was queued here: run a pass now instead of at the next poll. */
    kick(): void {
      kicked = true;
      wake?.();
    },
    async stop(): Promise<void> {
      abort.abort();
      wake?.();
      await loop;
      loop = undefined;
    },
  };
}

export type WorkerLoop = ReturnType<typeof createWorkerLoop>;
