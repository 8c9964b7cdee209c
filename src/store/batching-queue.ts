// Group commit, for both adapters: appends that arrive close together share one transaction and
// one commit (one fsync). Jobs for one key run one group at a time, in the order they came: the
// first job of a group waits for the rest of the current event-loop turn (plus `waitMs`), so the
// requests that arrived together go together; jobs that arrive while a group is being committed
// wait and form the next group. A group is bounded in weight (events), so one group never holds
// the database, or the event loop, for long. The key is what must be appended in order: a tenant
// on PostgreSQL (groups of different tenants commit side by side on their own connections), the
// one writer on SQLite (a group takes every tenant's appends).

export type JobResult<R> = { ok: R } | { error: unknown };

/** The bounds of a group (configuration: STELE_GROUP_COMMIT_MAX_EVENTS, STELE_GROUP_COMMIT_WAIT_MS). */
export interface GroupCommitOptions {
  /** Most events in one group; a job heavier than that goes alone. Default 2,000. */
  maxEvents?: number;
  /** How long the first job of a group waits for others after the current event-loop turn, in ms. Default 0. */
  waitMs?: number;
  /** Told of each group once it has committed: its jobs (appends) and events (for /metrics). */
  onCommitted?: (group: { jobs: number; events: number }) => void;
}

export interface BatchingQueueOptions<J> extends GroupCommitOptions {
  /** The events a job holds (its share of maxEvents). */
  weight: (job: J) => number;
  /**
   * Whether a group that `run` threw for may be run again one job at a time: true when the error
   * says a job was refused (a constraint, a value), false when the database could not do the work
   * (it would fail again) or its outcome is unknown (a commit without an answer: never run twice).
   */
  retryAlone: (error: unknown) => boolean;
}

export interface BatchingQueue<J, R> {
  /** Resolves with the job's result once its group is committed; rejects with its own error, or its group's. */
  enqueue(key: string, job: J): Promise<R>;
  /** Resolves once no job is waiting or running. */
  drained(): Promise<void>;
}

interface Waiting<J, R> {
  job: J;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export const DEFAULT_GROUP_MAX_EVENTS = 2000;

/**
 * `run` commits a group and returns one result per job (a job-level error fails only that job).
 * If `run` throws for a group of several jobs and `retryAlone` allows it, each job is run again
 * in a group of its own, so a job the database refuses fails alone; otherwise every job of the
 * group fails with that error. Nothing resolves before `run` has returned, that is, committed.
 */
export function createBatchingQueue<J, R>(run: (key: string, jobs: J[]) => Promise<JobResult<R>[]>, options: BatchingQueueOptions<J>): BatchingQueue<J, R> {
  const maxEvents = options.maxEvents ?? DEFAULT_GROUP_MAX_EVENTS;
  const waitMs = options.waitMs ?? 0;
  const waiting = new Map<string, Waiting<J, R>[]>();
  let busy = 0;
  const onDrained: (() => void)[] = [];

  // The next group: jobs in order while they fit in maxEvents (always at least one).
  function take(queue: Waiting<J, R>[]): Waiting<J, R>[] {
    let events = options.weight(queue[0]!.job);
    let count = 1;
    while (count < queue.length) {
      const next = options.weight(queue[count]!.job);
      if (events + next > maxEvents) break;
      events += next;
      count++;
    }
    return queue.splice(0, count);
  }

  async function settle(key: string, group: Waiting<J, R>[]): Promise<void> {
    let results: JobResult<R>[];
    try {
      results = await run(key, group.map((w) => w.job));
    } catch (error) {
      if (group.length > 1 && options.retryAlone(error)) {
        for (const w of group) await settle(key, [w]);
      } else {
        for (const w of group) w.reject(error);
      }
      return;
    }
    options.onCommitted?.({ jobs: group.length, events: group.reduce((sum, w) => sum + options.weight(w.job), 0) });
    group.forEach((w, i) => {
      const result = results[i]!;
      if ('ok' in result) w.resolve(result.ok);
      else w.reject(result.error);
    });
  }

  async function drain(key: string): Promise<void> {
    for (;;) {
      const queue = waiting.get(key)!;
      if (queue.length === 0) {
        waiting.delete(key);
        if (--busy === 0) for (const resolve of onDrained.splice(0)) resolve();
        return;
      }
      await settle(key, take(queue));
    }
  }

  const later = (start: () => void) => (waitMs > 0 ? setTimeout(start, waitMs) : setImmediate(start));

  return {
    enqueue(key, job) {
      return new Promise<R>((resolve, reject) => {
        const queue = waiting.get(key);
        if (queue) {
          queue.push({ job, resolve, reject });
          return;
        }
        waiting.set(key, [{ job, resolve, reject }]);
        busy++;
        later(() => void drain(key));
      });
    },
    drained() {
      return busy === 0 ? Promise.resolve() : new Promise<void>((resolve) => onDrained.push(resolve));
    },
  };
}
